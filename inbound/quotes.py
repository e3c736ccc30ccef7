"""The new text of a message: quoted history, signature and disclaimer taken away.

Everything we sent earlier comes back quoted below a reply, including our own footer with the
word "unsubscribe" and our own dates, so no rule may look past the point where history starts.
History starts at an attribution line ("On … wrote:", "W dniu … pisze:", "Am … schrieb …:"),
an "Original Message"/forward separator or an Outlook header block ("From:/Sent:",
"Od:/Wysłano:", "Von:/Gesendet:"); ">" lines are dropped wherever they are, which keeps the
answers of a reply written between the quoted lines.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"^[ \t]*>")
_ATTRIBUTION_END = re.compile(
    r"(?:\bwrote|\bpisze|\bnapisał(?:\(a\)|a)?|\bschrieb\b.{0,60}|\ba écrit|\bescribió)\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_OPENING = re.compile(r"^\s*(?:On|W dniu|Dnia|Am|Le|El)\b", re.IGNORECASE)
# Without an opening word, an attribution still names an address or a time.
_ATTRIBUTION_DETAIL = re.compile(r"@|\b\d{1,2}[:.]\d{2}\b")
_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}|_{2,}|\*{2,})?\s*(?:original message|oryginalna wiadomość|"
    r"wiadomość oryginalna|ursprüngliche nachricht|originalnachricht|forwarded message|"
    r"wiadomość przekazana|przekazana wiadomość|weitergeleitete nachricht)"
    r"\s*(?:-{2,}|_{2,}|\*{2,})?\s*$|"
    r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|"
    r"początek przekazywanej wiadomości)\s*:\s*$|^\s*_{10,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\**(?:from|od|von|de|sender|nadawca)\**\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(?:sent|date|to|cc|subject|wysłano|wysłane|data|do|temat|dw|gesendet|datum|an|"
    r"betreff|envoyé|objet)\**\s*:",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^--\s*$|^__\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from (?:my|outlook|mail)|get outlook for|wysłane z|wysłano z|"
    r"von meinem .{0,40}gesendet|gesendet von)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest|many thanks and|with best)\s+regards|regards|best|cheers|"
    r"thanks|thank you|many thanks|sincerely|yours(?: sincerely| faithfully| truly)?|greetings|"
    r"all the best|pozdrawiam(?: serdecznie)?|serdecznie pozdrawiam|pozdrowienia|z poważaniem|"
    r"z pozdrowieniami|łączę pozdrowienia|dziękuję|mit freundlichen grüßen|"
    r"mit freundlichem gruß|freundliche grüße|viele grüße|beste grüße|liebe grüße|"
    r"herzliche grüße|schöne grüße|grüße|gruß|mfg|lg|vg)\s*[,.!]*\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^\s*(?:confidentiality|disclaimer|important notice|this (?:e-?mail|message|communication)"
    r"(?: and any (?:attachments?|files)(?: transmitted with it)?)? (?:is|are|may|contains|"
    r"and)|the information (?:contained )?in this|ta wiadomość (?:jest|może|zawiera)|"
    r"niniejsza wiadomość|informacje zawarte w|klauzula poufności|treść tej wiadomości|"
    r"diese (?:e-?mail|nachricht) (?:enthält|ist|kann)|der inhalt dieser|"
    r"vertraulichkeitshinweis|haftungsausschluss)",
    re.IGNORECASE,
)
# How many lines an attribution may wrap over ("On Mon, … Sales <" / "sales@x> wrote:").
_ATTRIBUTION_LINES = 3
# How far below "From:" the rest of an Outlook header block may start.
_HEADER_BLOCK_LINES = 4


def new_text(text: str) -> str:
    """What the sender wrote now: no quoted history, no signature, no disclaimer."""
    return strip_signature(strip_history(text))


def strip_history(text: str) -> str:
    lines = text.split("\n")
    end = _history_start(lines)
    kept = [line for line in lines[:end] if not _QUOTED.match(line)]
    return "\n".join(kept).strip()


def strip_signature(text: str) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _DISCLAIMER.match(line) or _SIGNATURE_DELIMITER.match(line):
            return _joined(lines[:index])
        if _MOBILE_SIGNATURE.match(line):
            return _joined(lines[:index])
        # A lone "Thanks!" is the message itself, not the start of a signature.
        if _SIGN_OFF.match(line) and any(previous.strip() for previous in lines[:index]):
            return _joined(lines[:index])
    return text.strip()


def _history_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line):
            return index
        if _HEADER_FROM.match(line) and _header_block_follows(lines, index):
            return index
        start = _attribution_start(lines, index)
        if start is not None:
            return start
    return len(lines)


def _attribution_start(lines: list[str], index: int) -> int | None:
    """The first line of an attribution ending on line `index`, if one ends there."""
    if not _ATTRIBUTION_END.search(lines[index]) or _QUOTED.match(lines[index]):
        return None
    first = index
    while first > 0 and index - first < _ATTRIBUTION_LINES - 1 and lines[first - 1].strip():
        first -= 1
    # Earliest first, so a wrapped "On …" line is not left behind with its date.
    for start in range(first, index + 1):
        joined = " ".join(line.strip() for line in lines[start : index + 1])
        if len(joined) <= 400 and _ATTRIBUTION_OPENING.match(joined):
            return start
    return index if _ATTRIBUTION_DETAIL.search(lines[index]) else None


def _header_block_follows(lines: list[str], index: int) -> bool:
    following = lines[index + 1 : index + 1 + _HEADER_BLOCK_LINES]
    return any(_HEADER_NEXT.match(line) for line in following)


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).strip()
