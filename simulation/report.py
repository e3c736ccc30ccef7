"""A simulated path as people read it (`nurture simulate`) or machines do (`--json`).

Text: per prospect one line per decision (day, local time, kind, reason), the rendered e-mail
indented under its send, the task's assignee and deadline under the task, and the state after
each wake-up that changed it; then where the prospect ended and what would come next.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from simulation.path import PathEntry, ProspectPath, SimulationResult, Snapshot

_KIND_WIDTH = 15
_DETAIL = " " * 16  # under the reason column's start: "  day NN HH:MM  "


def as_json(result: SimulationResult) -> str:
    return result.model_dump_json(indent=2)


def as_text(result: SimulationResult) -> str:
    zone = ZoneInfo(result.timezone)
    version = f"version {result.version}" if result.version is not None else "unpublished file"
    lines = [
        f"Simulation of {result.journey_id} ({result.journey_name}), {version}",
        f"day 0 = {_local(result.start, zone)} {result.timezone}; "
        f"runs to day {result.until_day} ({_local(result.until, zone)}). Nothing is sent.",
    ]
    for prospect in result.prospects:
        lines += ["", *_prospect_lines(prospect)]
    return "\n".join(lines) + "\n"


def _prospect_lines(prospect: ProspectPath) -> list[str]:
    lines = [f"{prospect.id} <{prospect.email}> ({prospect.timezone})"]
    before: Snapshot | None = None
    for entry in prospect.path:
        lines += _entry_lines(entry)
        if entry.state is not None:
            lines.append(f"{_DETAIL}→ {_changes(before, entry.state)}")
            before = entry.state
    lines.append(f"  end: {_describe(prospect.final)}")
    if prospect.next is not None:
        lines.append(f"  next: {prospect.next.when}: {prospect.next.description}")
    lines += [f"  not applied: {note}" for note in prospect.not_applied]
    lines += _expectation_lines(prospect)
    return lines


def _entry_lines(entry: PathEntry) -> list[str]:
    when = f"day {entry.day:<2} {entry.time}"
    lines = [f"  {when}  {entry.kind:<{_KIND_WIDTH}} {entry.reason}"]
    if entry.email is not None:
        lines.append(f"{_DETAIL}  To: {entry.email.to}")
        lines.append(f"{_DETAIL}  Subject: {entry.email.subject}")
        lines += [f"{_DETAIL}  | {line}".rstrip() for line in entry.email.text.splitlines()]
    if entry.task is not None:
        holder = entry.task.assignee or "the sales inbox"
        due = f", due {entry.task.due}" if entry.task.due else ""
        lines.append(f"{_DETAIL}  task {entry.task.task_id}: {holder}{due}")
    if entry.contact is not None:
        lines.append(f"{_DETAIL}  enrols {entry.contact.email} in {entry.contact.journey_id}")
    return lines


def _expectation_lines(prospect: ProspectPath) -> list[str]:
    if not prospect.expected:
        return []
    difference = prospect.difference
    if difference is None:
        return ["  expected path: ok"]
    return [
        f"  expected path differs at expect[{difference.index}]:",
        f"    expected: {difference.expected or '(nothing more)'}",
        f"    actual:   {difference.actual or '(nothing more)'}",
    ]


def _describe(state: Snapshot) -> str:
    paused = f" until {state.paused_until:%Y-%m-%d %H:%M} UTC" if state.paused_until else ""
    return (
        f"stage {state.stage}, score {state.score}, {state.temperature}, {state.lifecycle}, "
        f"{state.status}{paused}"
    )


def _changes(before: Snapshot | None, after: Snapshot) -> str:
    if before is None:
        return _describe(after)
    changed = [
        f"{name} {new} (was {old})"
        for name, old, new in (
            ("stage", before.stage, after.stage),
            ("score", before.score, after.score),
            ("temperature", before.temperature, after.temperature),
            ("lifecycle", before.lifecycle, after.lifecycle),
            ("status", before.status, after.status),
        )
        if old != new
    ]
    # Only the pause's end moved (a second autoreply): still worth a line.
    return ", ".join(changed) or _describe(after)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %Y-%m-%d %H:%M}"
