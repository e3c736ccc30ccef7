"""May this e-mail go to this prospect now? The sending policy applied to one send.

Pure, so the send activity (with the prospect's sends read from the database, across every
journey) and the simulator (with the simulated prospect's own sends) give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from definitions.durations import format_duration
from definitions.policy import SendingPolicy


class Clearance(BaseModel):
    verdict: Literal["send", "defer", "drop"]
    # For `defer`: the earliest moment the send may be tried again.
    until: datetime | None = None
    reason: str | None = None


SEND_NOW = Clearance(verdict="send")


def clearance(
    policy: SendingPolicy, *, now: datetime, zone: str, recent_sends: Iterable[datetime]
) -> Clearance:
    """Quiet periods first (everything waits for them), then the frequency cap."""
    local_zone = ZoneInfo(zone)
    local_today = now.astimezone(local_zone).date()
    for period in policy.quiet_periods:
        if period.start <= local_today <= period.end:
            reopens = datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=local_zone)
            return Clearance(
                verdict="defer",
                until=reopens.astimezone(UTC),
                reason=f"quiet period {period.name!r} ({period.start} to {period.end})",
            )
    cap = policy.frequency_cap
    if cap is None:
        return SEND_NOW
    window_start = now - cap.per
    in_window = sorted(sent for sent in recent_sends if window_start < sent <= now)
    if len(in_window) < cap.max_emails:
        return SEND_NOW
    reason = (
        f"frequency cap: {len(in_window)} e-mails in the last {format_duration(cap.per)} "
        f"(at most {cap.max_emails})"
    )
    if cap.when_capped == "drop":
        return Clearance(verdict="drop", reason=reason)
    # The send that must leave the window before one more e-mail fits under the cap.
    freed_at = in_window[len(in_window) - cap.max_emails] + cap.per
    return Clearance(verdict="defer", until=freed_at, reason=reason)
