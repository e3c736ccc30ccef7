"""A person asking in words to stop receiving our e-mail, in Polish, English or German.

Only the new text is read: our own footers carry the word "unsubscribe" and come back quoted
below every reply. A request in the negative ("I don't want to unsubscribe, but write less
often") is a reply, not a request.
"""

from __future__ import annotations

import re

_REQUEST = re.compile(
    r"\bunsubscribe\b|\bremove\s+(?:me|my\s+(?:e-?mail|address|name|details|data))|"
    r"\btake\s+me\s+off\b|\b(?:stop|quit)\s+(?:sending|e-?mailing|contacting|writing)|"
    r"\b(?:do\s+not|don'?t|never)\s+(?:e-?mail|contact|write\s+to|send)\s+(?:me|us)\b|"
    r"\bopt\s+(?:me\s+)?out\b|\bno\s+(?:more|further)\s+(?:e-?mails|messages|mails)\b|"
    r"\bdelete\s+my\s+(?:e-?mail|address|data|details)|"
    r"\bwypis(?:a[ćc]|ani\w*|z\w*|uj\w*|ywa\w*)|\busunięci\w*\s+(?:mnie|m[óo]j|moje|moich)|"
    r"\busun[ąa][ćc]\s+(?:mnie|m[óo]j|moje|moich)|"
    r"\busu[ńn]\w*\s+(?:mnie|m[óo]j|moje|moich)|"
    r"\bnie\s+(?:chc[ęe]|życzę\s+sobie)\s+(?:więcej\s+|już\s+|dalej\s+)*(?:otrzymywa[ćc]|"
    r"dostawa[ćc])|\bnie\s+(?:wysyłaj|przesyłaj|piszcie|pisz)\w*|\brezygnuj[ęe]\s+z\b|"
    r"\bentfernen\s+sie\s+mich|\bbitte\s+(?:\w+\s+)?abmelden|\babmelden\b|\baustragen\b|"
    r"\bkeine\s+(?:weiteren\s+)?(?:e-?mails|nachrichten|newsletter|werbung)\b|"
    r"\bnicht\s+mehr\s+(?:kontaktieren|anschreiben|zusenden|schreiben|senden)",
    re.IGNORECASE,
)


# "I don't want to unsubscribe", "nie chcę się wypisywać", "bitte nicht abmelden".
_NEGATED = re.compile(
    r"(?:\b(?:don'?t|do\s+not|doesn'?t|not|never|no\s+need\s+to)\s+(?:\w+\s+){0,2}|"
    r"\bnie\s+(?:\w+\s+){0,2}|\bnicht\s+(?:\w+\s+)?|\bkein\w*\s+)$",
    re.IGNORECASE,
)
_NEGATION_REACH = 40


def unsubscribe_phrase(text: str) -> str | None:
    """The words of the request, if the text asks us to stop writing (and does not refuse to)."""
    for match in _REQUEST.finditer(text):
        before = text[max(0, match.start() - _NEGATION_REACH) : match.start()]
        if not _NEGATED.search(before):
            return match.group(0)
    return None
