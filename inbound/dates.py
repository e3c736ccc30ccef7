"""The return date of an absence notice: the first day on which we may write again.

A date counts only with words that say what it means ("until", "back on", "od … do …"); a
notice that mentions the date of a conference is not saying when its sender returns. What
the words mean follows docs/inbound-semantics.md:

- "until X" → X; an inclusive end ("through X", "X inclusive", "do X włącznie") → X + 1;
- "back on X", "ab X wieder im Büro", "będę dostępny od X" → X;
- a range of absence ("from A to B", "1-14.08", "vom A bis B") → B + 1, the day after;
- when several are present, an explicit return beats an end of absence (it is the more exact
  answer), and otherwise the first one written wins.

Turning a mention into a calendar date relative to the sent date is `inbound.resolve_dates`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

from inbound.date_mentions import DASH, Mention, find_mentions
from inbound.resolve_dates import Resolution, resolve


class _Role(IntEnum):
    """What the words around a date say it is; lower values are the more exact answers."""

    RETURN = 1
    END = 2  # until X, or the end of a range: the result may be shifted by one day


@dataclass(frozen=True)
class ReturnDate:
    date: date | None  # None when the notice names a date but it has passed (stale notice)
    phrase: str  # the words that decided, for the classification's reason
    stale: bool


@dataclass(frozen=True)
class _Candidate:
    role: _Role
    mention: Mention
    shift: int  # days added to the mentioned date: 1 for inclusive ends and ranges
    phrase_start: int
    phrase_end: int


# How far before a date its cue may be ("I will be back in the office on …").
_WINDOW = 60
_FILLER = r"(?:\s+(?:the|dem|den|zum|zur|am|dnia|dniu|on))?\s*$"
_INCLUSIVE_BEFORE = re.compile(
    r"(?:\bthrough|\bthru|\b(?:up\s+)?to\s+and\s+including|\buntil\s+and\s+including|"
    r"\bbis\s+(?:einschließlich|einschl\.|inklusive|inkl\.)(?:\s+(?:zum|den|dem))?|"
    r"\bdo\s+(?:dnia\s+)?włącznie)" + _FILLER,
    re.IGNORECASE,
)
_UNTIL = re.compile(
    r"(?:\buntil|\btill|\btil|'til|\bup\s+to|\b(?:aż\s+)?do|"
    r"\bbis(?:\s+(?:zum|zur|einschließlich))?)"
    r"(?:\s+(?:the|dnia|dem|den))?\s*$",
    re.IGNORECASE,
)
_INCLUSIVE_AFTER = re.compile(
    r"^\s*[(,]?\s*(?:inclusive|inclusively|incl\.|włącznie|einschließlich|inklusive|inkl\.)",
    re.IGNORECASE,
)
_RETURN_BEFORE = re.compile(
    r"(?:\bback|\breturn(?:ing|s)?|\bwrac(?:am|a)|\bwrócę|\bwróci|\bpowr(?:ót|otu|ocie)|"
    r"\bz\s+powrotem|\bzurück|\brückkehr|\bwieder|\bavailable(?:\s+again)?|\breachable|"
    r"\bdostępn[ya]|\bosiągaln[ya]|\berreichbar|\bin\s+the\s+office(?:\s+again)?|"
    r"\bw\s+biurze|\bim\s+büro|\bfirst\s+day\s+back)"
    r"[^\W\d]*(?:[\s,]+[^\s\d,.;:!?]+){0,5}?\s*(?:,\s*)?$",
    re.IGNORECASE,
)
_FROM = re.compile(
    r"(?:\bfrom|\bod|\bab|\bvom|\bvon|\bstarting|\bbeginning)"
    r"(?:\s+(?:the|dem|den|dnia|on))?\s*$",
    re.IGNORECASE,
)
_RETURN_AFTER = re.compile(
    r"^[\s,.]*(?:[^\W\d]+\s+){0,4}?(?:wieder|zurück|erreichbar|available|back|w\s+biurze|"
    r"dostępn[ya]|z\s+powrotem|ponownie|wracam)",
    re.IGNORECASE,
)
# "nächste Woche wieder im Büro", "am 21.09. zurück": the return word follows the date.
_RETURN_RIGHT_AFTER = re.compile(
    r"^\s*(?:[^\W\d]+\s+){0,2}?(?:wieder|zurück|back|z\s+powrotem)\b", re.IGNORECASE
)
_BETWEEN = re.compile(r"(?:\bbetween|\bzwischen|\bmiędzy|\bpomiędzy)\s*$", re.IGNORECASE)
_RANGE_LINK = re.compile(
    rf"^\s*(?:{DASH}|to|till|until|through|thru|do|bis(?:\s+(?:zum|einschließlich|inkl\.))?)"
    r"(?:\s+(?:the|dnia|dem|den))?\s*$",
    re.IGNORECASE,
)
_BETWEEN_LINK = re.compile(r"^\s*(?:and|und|i|a)\s*(?:the\s+)?$", re.IGNORECASE)
# A full stop ends a clause, except after the abbreviations that introduce inclusive ends. A
# single line break does not: hard-wrapped notices split "until" from its date.
_CLAUSE_BREAK = re.compile(r"[!?;]|\n[ \t]*\n|(?<!inkl)(?<!incl)(?<!einschl)\.\s", re.IGNORECASE)


def find_return_date(text: str, *, sent: date) -> ReturnDate | None:
    """The return date announced in `text`, or None when no date is announced at all."""
    candidates = _candidates(text)
    if not candidates:
        return None
    best = min(candidates, key=lambda candidate: (candidate.role, candidate.mention.start))
    resolution = resolve(best.mention.when, sent=sent)
    phrase = " ".join(text[best.phrase_start : best.phrase_end].split()).rstrip(".,;:")
    return ReturnDate(_shifted(resolution, best.shift), phrase, resolution.stale)


def _shifted(resolution: Resolution, days: int) -> date | None:
    return None if resolution.date is None else resolution.date + timedelta(days=days)


def _candidates(text: str) -> list[_Candidate]:
    mentions = find_mentions(text)
    candidates: list[_Candidate] = []
    skip_next = False
    for index, mention in enumerate(mentions):
        if skip_next:
            skip_next = False
            continue
        before = _before(text, mention, mentions[index - 1] if index else None)
        following = mentions[index + 1] if index + 1 < len(mentions) else None
        if mention.range_start is not None:
            start = _cue_start(before, mention.start, (_FROM, _BETWEEN))
            candidates.append(_Candidate(_Role.END, mention, 1, start, mention.end))
            continue
        if following is not None and _links_range(text, before, mention, following):
            start = _cue_start(before, mention.start, (_FROM, _BETWEEN))
            candidates.append(_Candidate(_Role.END, following, 1, start, following.end))
            skip_next = True
            continue
        candidate = _single(text, before, mention)
        if candidate is not None:
            candidates.append(candidate)
    return candidates


def _single(text: str, before: str, mention: Mention) -> _Candidate | None:
    after = text[mention.end : mention.end + _WINDOW]
    start = mention.start - len(before)
    if match := _INCLUSIVE_BEFORE.search(before):
        return _Candidate(_Role.END, mention, 1, start + match.start(), mention.end)
    if match := _UNTIL.search(before):
        inclusive = _INCLUSIVE_AFTER.match(after)
        end = mention.end + (inclusive.end() if inclusive else 0)
        return _Candidate(_Role.END, mention, 1 if inclusive else 0, start + match.start(), end)
    if match := _RETURN_BEFORE.search(before):
        return _Candidate(_Role.RETURN, mention, 0, start + match.start(), mention.end)
    if (match := _FROM.search(before)) and (back := _RETURN_AFTER.match(after)):
        return _Candidate(_Role.RETURN, mention, 0, start + match.start(), mention.end + back.end())
    if back := _RETURN_RIGHT_AFTER.match(after):
        return _Candidate(_Role.RETURN, mention, 0, mention.start, mention.end + back.end())
    return None


def _links_range(text: str, before: str, first: Mention, second: Mention) -> bool:
    """Whether two mentions are the first and last day of one absence."""
    link = text[first.end : second.start]
    if _BETWEEN_LINK.match(link):
        return bool(_BETWEEN.search(before))
    if not _RANGE_LINK.match(link):
        return False
    # "until 14.08 - 15.08 is a holiday" is no range; a cue of its own makes A a single date.
    return not (_UNTIL.search(before) or _RETURN_BEFORE.search(before))


def _before(text: str, mention: Mention, previous: Mention | None) -> str:
    """The words before a mention that may qualify it: same clause, not past the last date."""
    floor = max(mention.start - _WINDOW, previous.end if previous else 0)
    window = text[floor : mention.start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _cue_start(before: str, mention_start: int, cues: tuple[re.Pattern[str], ...]) -> int:
    for cue in cues:
        if match := cue.search(before):
            return mention_start - len(before) + match.start()
    return mention_start
