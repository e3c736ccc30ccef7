"""Whether a prospect whose journey ended may enter it again: the journey's `re_entry` rule.

Pure, so the rule is tested without a server. Times are compared with `ended_at` as the
workflow recorded it, on the workflow's own clock (the same clock as the API's in production).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from definitions.durations import format_duration
from definitions.settings import ReEntry
from workflows.state import TERMINAL_STATUSES

# Unsubscribing from any journey ends every entry for good, whatever a journey allows.
UNSUBSCRIBED = "the prospect has unsubscribed and is not enrolled again"


@dataclass(frozen=True)
class PreviousEntry:
    """What the projection row says about the prospect's last entry in the journey."""

    status: str
    ended_at: datetime
    entries: int
    # How many decisions the earlier entries made: a new entry numbers its own on from there.
    decisions: int = 0


def refusal(rule: ReEntry, previous: PreviousEntry | None, *, now: datetime) -> str | None:
    """Why the prospect may not enter again now, or None when nothing here stands in the way.

    A prospect still in the journey is not decided here: starting its workflow is refused by
    Temporal (one run per business key at a time), which is the one reliable judge of that.
    """
    if previous is None or previous.status not in TERMINAL_STATUSES:
        return None
    ended = f"the previous entry ended {_moment(previous.ended_at)}"
    if previous.status == "unsubscribed":
        return UNSUBSCRIBED
    if not rule.allowed:
        return f"the journey does not allow re-entry ({ended})"
    if rule.max_entries is not None and previous.entries >= rule.max_entries:
        return (
            f"already entered {_times(previous.entries)}; the journey allows "
            f"{rule.max_entries} {'entry' if rule.max_entries == 1 else 'entries'} at most"
        )
    if rule.after is not None and now < previous.ended_at + rule.after:
        allowed_from = previous.ended_at + rule.after
        return (
            f"may enter again from {_moment(allowed_from)} "
            f"({format_duration(rule.after)} after the end of the previous entry; {ended})"
        )
    return None


def _moment(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
