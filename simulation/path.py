"""What a simulation answers: each prospect's path, one entry per decision, and its end state.

The same document is printed by `nurture simulate --json` and returned by
`POST /journeys/{journey_id}/simulate`. An entry's `expect_line` is the form a scenario file
records under `expect:` and `nurture validate` compares.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from workflows.state import JourneyState


class EmailPreview(BaseModel):
    """The e-mail a send would have delivered, rendered by the production templates."""

    content_id: str
    to: str
    subject: str
    text: str


class TaskPreview(BaseModel):
    """A task as it stands after the command: who holds it and when it is due."""

    task_id: str
    title: str
    queue: str | None = None
    assignee: str | None = None
    due_at: datetime | None = None
    due: str | None = Field(default=None, description="The deadline as 'day N HH:MM'.")


class ContactPreview(BaseModel):
    """Someone the journey would enrol (the right person sales named)."""

    journey_id: str
    email: str


class Snapshot(BaseModel):
    stage: str
    score: int
    temperature: str
    lifecycle: str
    status: str
    paused_until: datetime | None = None

    @classmethod
    def of(cls, state: JourneyState) -> Snapshot:
        return cls.model_validate(state, from_attributes=True)


class PathEntry(BaseModel):
    seq: int = Field(description="The decision's place in the prospect's audit trail.")
    day: int
    time: str = Field(description="Local time (HH:MM) in the scenario's time zone.")
    at: datetime = Field(description="The same moment in UTC.")
    kind: str
    reason: str
    rule_id: str | None = None
    event_id: str | None = None
    score: int | None = Field(default=None, description="The score after a points change.")
    stage: str | None = Field(default=None, description="The stage after a move.")
    email: EmailPreview | None = None
    task: TaskPreview | None = None
    contact: ContactPreview | None = None
    state: Snapshot | None = Field(
        default=None,
        description="Set on the last entry of a wake-up that changed the stage, score, "
        "temperature, lifecycle or status: the state after it.",
    )

    @property
    def expect_line(self) -> str:
        return f"day {self.day} {self.time} {self.kind}: {self.reason}"


class Upcoming(BaseModel):
    """What the journey would do next, after the scenario's end."""

    at: datetime
    when: str
    description: str


class Difference(BaseModel):
    """The first line where the recorded `expect` and the simulated path part ways."""

    index: int = Field(description="0-based position in `expect`.")
    line: int | None = Field(default=None, description="Its line in the scenario file.")
    expected: str | None
    actual: str | None


class ProspectPath(BaseModel):
    id: str
    email: str
    timezone: str
    path: list[PathEntry]
    final: Snapshot
    next: Upcoming | None = None
    not_applied: list[str] = Field(
        default_factory=list, description="Scripted events the ended journey never saw."
    )
    expected: bool = Field(default=False, description="Whether the scenario records `expect`.")
    difference: Difference | None = None

    @property
    def expect_lines(self) -> list[str]:
        return [entry.expect_line for entry in self.path]

    @property
    def matches(self) -> bool:
        return self.difference is None


class SimulationResult(BaseModel):
    journey_id: str
    journey_name: str
    version: int | None
    timezone: str
    start: datetime
    until: datetime
    until_day: int
    prospects: list[ProspectPath]


def first_difference(
    expected: list[str], actual: list[str], *, file_lines: list[int | None]
) -> Difference | None:
    """`file_lines[i]` is the line of `expected[i]`; the last one stands for any line after."""
    for index in range(max(len(expected), len(actual))):
        want = expected[index] if index < len(expected) else None
        got = actual[index] if index < len(actual) else None
        if want != got:
            line = file_lines[min(index, len(file_lines) - 1)] if file_lines else None
            return Difference(index=index, line=line, expected=want, actual=got)
    return None
