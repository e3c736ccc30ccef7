"""The re-entry rule: allowed at all, how long after the end, how many entries in all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.re_entry import PreviousEntry, refusal
from definitions.settings import ReEntry

ENDED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def completed(entries: int = 1) -> PreviousEntry:
    return PreviousEntry(status="completed", ended_at=ENDED, entries=entries)


def test_a_first_entry_and_a_running_one_are_not_decided_here() -> None:
    never = ReEntry()

    assert refusal(never, None, now=ENDED) is None
    running = PreviousEntry(status="handed_off", ended_at=ENDED, entries=1)
    assert refusal(never, running, now=ENDED) is None


def test_without_re_entry_a_completed_prospect_is_refused_and_told_when_it_ended() -> None:
    reason = refusal(ReEntry(), completed(), now=ENDED + timedelta(days=400))

    assert reason == (
        "the journey does not allow re-entry (the previous entry ended 2026-09-01 08:00:00 UTC)"
    )


def test_after_refuses_until_that_long_after_the_end_and_says_from_when() -> None:
    rule = ReEntry(allowed=True, after=timedelta(days=1))
    allowed_from = ENDED + timedelta(days=1)

    early = refusal(rule, completed(), now=allowed_from - timedelta(seconds=1))

    assert early == (
        "may enter again from 2026-09-02 08:00:00 UTC (1d after the end of the previous "
        "entry; the previous entry ended 2026-09-01 08:00:00 UTC)"
    )
    assert refusal(rule, completed(), now=allowed_from) is None


def test_max_entries_counts_the_first_entry() -> None:
    rule = ReEntry(allowed=True, max_entries=2)

    assert refusal(rule, completed(entries=1), now=ENDED) is None
    assert refusal(rule, completed(entries=2), now=ENDED) == (
        "already entered 2 times; the journey allows 2 entries at most"
    )
    assert refusal(ReEntry(allowed=True, max_entries=1), completed(), now=ENDED) == (
        "already entered once; the journey allows 1 entry at most"
    )


def test_an_unsubscribed_prospect_never_enters_again_whatever_the_rule() -> None:
    gone = PreviousEntry(status="unsubscribed", ended_at=ENDED, entries=1)

    reason = refusal(ReEntry(allowed=True), gone, now=ENDED + timedelta(days=999))

    assert reason == "the prospect has unsubscribed and is not enrolled again"
