"""`clearance`: the sending policy applied to one send (pure: no database, no clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from definitions.policy import SendingPolicy
from workflows.clearance import Clearance, clearance

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CHRISTMAS = {"name": "Christmas", "start": "2025-12-24", "end": "2025-12-26"}


def _policy(**fields: Any) -> SendingPolicy:
    return SendingPolicy.model_validate(fields)


def _capped(max_emails: int, per: str, when_capped: str = "defer") -> SendingPolicy:
    return _policy(frequency_cap={"max_emails": max_emails, "per": per, "when_capped": when_capped})


def test_no_policy_sends_whatever_was_sent_before() -> None:
    answer = clearance(SendingPolicy(), now=NOW, zone="UTC", recent_sends=[NOW] * 10)

    assert answer == Clearance(verdict="send")


def test_a_send_exactly_one_period_ago_has_left_the_window() -> None:
    answer = clearance(_capped(1, "3d"), now=NOW, zone="UTC", recent_sends=[NOW - 3 * DAY])

    assert answer.verdict == "send"


def test_a_send_one_second_inside_the_window_defers_until_it_leaves() -> None:
    sent = NOW - 3 * DAY + timedelta(seconds=1)

    answer = clearance(_capped(1, "3d"), now=NOW, zone="UTC", recent_sends=[sent])

    assert answer == Clearance(
        verdict="defer",
        until=NOW + timedelta(seconds=1),
        reason="frequency cap: 1 e-mails in the last 3d (at most 1)",
    )


def test_a_send_at_this_very_moment_counts() -> None:
    answer = clearance(_capped(1, "3d"), now=NOW, zone="UTC", recent_sends=[NOW])

    assert (answer.verdict, answer.until) == ("defer", NOW + 3 * DAY)


def test_under_the_cap_sends() -> None:
    answer = clearance(_capped(2, "3d"), now=NOW, zone="UTC", recent_sends=[NOW - DAY])

    assert answer.verdict == "send"


def test_with_several_sends_it_waits_for_the_one_that_makes_room() -> None:
    # Three in the window under a cap of two: two must leave before a third fits, so the wait
    # is for the second-oldest, not the oldest (whatever order they are given in).
    sends = [NOW - timedelta(hours=1), NOW - 2 * DAY, NOW - DAY, NOW - 5 * DAY]

    answer = clearance(_capped(2, "3d"), now=NOW, zone="UTC", recent_sends=sends)

    assert answer.verdict == "defer"
    assert answer.until == NOW - DAY + 3 * DAY
    assert answer.reason == "frequency cap: 3 e-mails in the last 3d (at most 2)"


def test_drop_says_dropped_with_the_cap_as_reason_and_no_date() -> None:
    answer = clearance(_capped(2, "1w", "drop"), now=NOW, zone="UTC", recent_sends=[NOW, NOW])

    assert answer == Clearance(
        verdict="drop", reason="frequency cap: 2 e-mails in the last 1w (at most 2)"
    )


def test_sends_later_than_now_are_not_in_the_window() -> None:
    answer = clearance(_capped(1, "3d"), now=NOW, zone="UTC", recent_sends=[NOW + DAY])

    assert answer.verdict == "send"


def test_a_quiet_period_holds_until_local_midnight_after_its_last_day() -> None:
    policy = _policy(quiet_periods=[CHRISTMAS])
    # 00:30 on 24 December in Auckland (UTC+13) is still 23 December in UTC.
    now = datetime(2025, 12, 23, 11, 30, tzinfo=UTC)

    answer = clearance(policy, now=now, zone="Pacific/Auckland", recent_sends=[])

    assert answer == Clearance(
        verdict="defer",
        # 00:00 on 27 December in Auckland.
        until=datetime(2025, 12, 26, 11, 0, tzinfo=UTC),
        reason="quiet period 'Christmas' (2025-12-24 to 2025-12-26)",
    )


def test_the_quiet_days_are_the_prospects_local_days() -> None:
    policy = _policy(quiet_periods=[CHRISTMAS])
    # 23:30 on 23 December in Auckland: the day before the period there.
    before_auckland = datetime(2025, 12, 23, 10, 30, tzinfo=UTC)
    # 03:00 UTC on the 27th: the period is over in UTC, but in New York it is 22:00 on the
    # 26th, the last quiet day there.
    late_on_the_26th_in_new_york = datetime(2025, 12, 27, 3, 0, tzinfo=UTC)

    auckland = clearance(policy, now=before_auckland, zone="Pacific/Auckland", recent_sends=[])
    new_york = clearance(
        policy, now=late_on_the_26th_in_new_york, zone="America/New_York", recent_sends=[]
    )
    utc = clearance(policy, now=late_on_the_26th_in_new_york, zone="UTC", recent_sends=[])

    assert auckland.verdict == "send"
    assert (new_york.verdict, new_york.until) == ("defer", datetime(2025, 12, 27, 5, tzinfo=UTC))
    assert utc.verdict == "send"


def test_a_one_day_quiet_period_and_a_dst_change_in_the_zone() -> None:
    # Warsaw moves to summer time on 30 March 2025: midnight on the 31st is UTC+2.
    policy = _policy(
        quiet_periods=[{"name": "Inventory", "start": "2025-03-30", "end": "2025-03-30"}]
    )
    now = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)

    answer = clearance(policy, now=now, zone="Europe/Warsaw", recent_sends=[])

    assert (answer.verdict, answer.until) == ("defer", datetime(2025, 3, 30, 22, 0, tzinfo=UTC))


def test_a_quiet_period_comes_before_the_cap_even_under_drop() -> None:
    policy = _policy(
        frequency_cap={"max_emails": 1, "per": "3d", "when_capped": "drop"},
        quiet_periods=[{"name": "Audit", "start": date(2025, 3, 1), "end": date(2025, 3, 4)}],
    )

    answer = clearance(policy, now=NOW, zone="UTC", recent_sends=[NOW - DAY])

    assert answer.verdict == "defer"
    assert answer.until == datetime(2025, 3, 5, tzinfo=UTC)
    assert answer.reason is not None and answer.reason.startswith("quiet period 'Audit'")


def test_after_a_quiet_period_the_cap_applies_again() -> None:
    policy = _policy(
        frequency_cap={"max_emails": 1, "per": "3d"},
        quiet_periods=[{"name": "Audit", "start": "2025-03-01", "end": "2025-03-02"}],
    )

    answer = clearance(policy, now=NOW, zone="UTC", recent_sends=[NOW - DAY])

    assert (answer.verdict, answer.until) == ("defer", NOW + 2 * DAY)
