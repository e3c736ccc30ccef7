"""Scenario files: imagined prospects and what they do, day by day, to test a journey with.

```yaml
journey: b2b-funnel            # optional; must match the definition when given
start: 2026-03-02T09:00:00     # day 0, local time in `timezone`
timezone: Europe/Warsaw        # default: the journey's defaults.timezone
until: day 40                  # default: 10 days after the last scripted moment
prospects:
  - id: anna
    email: anna@example.com
    events:
      - {at: day 2 10:00, type: content_consumed, content_id: pricing-plans}
      - {at: day 5, type: out_of_office, return_date: day 19}
      - {at: day 21, type: sales_outcome, outcome: qualified, task: 1}
    expect: ["day 0 09:00 enrolled: ..."]
```

An event's other keys are its `data`, checked exactly as `POST /events` checks them; a date
written `day N` is that day's local date, and `task: N` names the N-th task the journey made
for this prospect (its id exists only at run time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from definitions.errors import DefinitionError, PathPart, format_path
from definitions.model import JourneyDefinition
from definitions.policy import SendingPolicy
from simulation.documents import Document, ScenarioInvalid, read_document
from simulation.moments import Moment, ScenarioClock, ZoneName, parse_day, zone_named
from workflows.events import PROSPECT_EVENT, ProspectEvent
from workflows.state import Prospect

# Day 0 when a scenario names no start: a Monday at 9:00, so every run reads the same.
DEFAULT_START = datetime(2026, 1, 5, 9, 0)
DEFAULT_RUN_ON = timedelta(days=10)
MAX_PROSPECTS = 100
MAX_EVENTS_PER_PROSPECT = 1000


def _event_data_models() -> dict[str, type[BaseModel]]:
    """Event type -> the model of its `data`, read from the events the API accepts."""
    [union, *_] = get_args(ProspectEvent)
    models: dict[str, type[BaseModel]] = {}
    for event_class in get_args(union):
        [event_type] = get_args(event_class.model_fields["type"].annotation)
        models[event_type] = event_class.model_fields["data"].annotation
    return models


EVENT_DATA = _event_data_models()


def _date_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if field.annotation is date or date in get_args(field.annotation)
    )


class ScriptedEvent(BaseModel):
    """One event at one moment; every key besides these four is the event's data."""

    model_config = ConfigDict(extra="allow", frozen=True)

    at: Moment
    type: str
    id: str | None = Field(default=None, min_length=1, max_length=200)
    task: int | None = Field(
        default=None, ge=1, description="For outcomes and reassignments: the N-th task made."
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_DATA:
            raise ValueError(f"unknown event type {value!r}; expected one of {sorted(EVENT_DATA)}")
        return value

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ScenarioProspect(Prospect):
    """A prospect as enrolment takes it, plus when it enrols, what it does, what to expect."""

    timezone: ZoneName | None = None
    enrol: Moment | None = Field(default=None, description="Default: day 0, the start.")
    events: list[ScriptedEvent] = Field(default_factory=list, max_length=MAX_EVENTS_PER_PROSPECT)
    expect: list[str] | None = Field(
        default=None, description="The recorded path, one 'day N HH:MM kind: reason' a line."
    )

    def as_prospect(self) -> Prospect:
        return Prospect.model_validate(self.model_dump(include=set(Prospect.model_fields)))


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    journey: str | None = None
    start: datetime = DEFAULT_START
    timezone: ZoneName | None = None
    until: Moment | None = None
    policy: SendingPolicy | None = Field(
        default=None, description="The sending policy to simulate under (caps, quiet periods)."
    )
    prospects: list[ScenarioProspect] = Field(min_length=1, max_length=MAX_PROSPECTS)

    @field_validator("prospects")
    @classmethod
    def _unique_ids(cls, prospects: list[ScenarioProspect]) -> list[ScenarioProspect]:
        ids = [prospect.id for prospect in prospects]
        repeated = sorted({prospect_id for prospect_id in ids if ids.count(prospect_id) > 1})
        if repeated:
            raise ValueError(f"prospect ids must be unique; repeated: {', '.join(repeated)}")
        return prospects


@dataclass(frozen=True)
class PlannedEvent:
    at: datetime
    where: str  # its place in the file, e.g. "prospects[0].events[2]"
    type: str
    event_id: str
    data: dict[str, Any]
    task: int | None

    def event(self, *, prospect_id: str, task_id: str | None = None) -> ProspectEvent:
        data = self.data if task_id is None else {**self.data, "task_id": task_id}
        return PROSPECT_EVENT.validate_python(
            {
                "id": self.event_id,
                "prospect_id": prospect_id,
                "type": self.type,
                "occurred_at": self.at,
                "data": data,
            }
        )

    def describe(self) -> str:
        return f"{self.type} ({self.event_id})"


@dataclass(frozen=True)
class PlannedProspect:
    prospect: Prospect
    enrol_at: datetime
    events: list[PlannedEvent]  # in time order; script order within one moment
    expect: list[str] | None
    where: str
    # Where each `expect` line is in the file, and one more: where a longer path would go on.
    expect_file_lines: list[int | None]


@dataclass(frozen=True)
class ScenarioPlan:
    """A scenario with every moment resolved against its clock and every event checked."""

    clock: ScenarioClock
    until: datetime
    policy: SendingPolicy | None
    prospects: list[PlannedProspect]


def load_scenario(path: Path, definition: JourneyDefinition) -> ScenarioPlan:
    media_type: Literal["yaml", "json"] = "json" if path.suffix == ".json" else "yaml"
    return read_scenario(
        path.read_text(encoding="utf-8"),
        source=str(path),
        definition=definition,
        media_type=media_type,
    )


def read_scenario(
    text: str,
    *,
    source: str,
    definition: JourneyDefinition,
    media_type: Literal["yaml", "json"] = "yaml",
) -> ScenarioPlan:
    return plan(read_document(text, source=source, media_type=media_type), definition)


def plan(document: Document, definition: JourneyDefinition) -> ScenarioPlan:
    """Check the scenario against the journey and resolve its moments; ScenarioInvalid if not."""
    scenario = document.validate(Scenario)
    problems: list[DefinitionError] = []
    if scenario.journey is not None and scenario.journey != definition.journey:
        problems.append(
            document.error(
                ("journey",),
                f"this scenario is for journey {scenario.journey!r}, not {definition.journey!r}",
            )
        )
    zone = zone_named(scenario.timezone or definition.defaults.timezone)
    clock = ScenarioClock.starting(scenario.start, zone)
    planner = _Planner(document, clock, problems)
    prospects = [
        planner.prospect(position, prospect) for position, prospect in enumerate(scenario.prospects)
    ]
    until = planner.until(scenario.until, prospects)
    if problems:
        raise ScenarioInvalid(problems)
    return ScenarioPlan(
        clock=clock,
        until=until,
        policy=scenario.policy,
        prospects=prospects,
    )


@dataclass
class _Planner:
    document: Document
    clock: ScenarioClock
    problems: list[DefinitionError]

    def prospect(self, position: int, scripted: ScenarioProspect) -> PlannedProspect:
        where = ("prospects", position)
        enrol_at = self.clock.instant(scripted.enrol) if scripted.enrol else self.clock.day_zero
        events = []
        for index, item in enumerate(scripted.events):
            event = self.event((*where, "events", index), scripted, index, item)
            if event is None:
                continue
            if event.at < enrol_at:
                self._problem(
                    (*where, "events", index, "at"),
                    f"{item.at} is before the prospect is enrolled ({self.clock.label(enrol_at)})",
                )
            events.append(event)
        return PlannedProspect(
            prospect=scripted.as_prospect(),
            enrol_at=enrol_at,
            # sorted() is stable: events of one moment keep their order in the file.
            events=sorted(events, key=lambda event: event.at),
            expect=scripted.expect,
            where=f"prospects[{position}]",
            expect_file_lines=[
                self.document.line_of((*where, "expect", index))
                for index in range(len(scripted.expect or []) + 1)
            ],
        )

    def event(
        self,
        where: tuple[PathPart, ...],
        scripted: ScenarioProspect,
        index: int,
        item: ScriptedEvent,
    ) -> PlannedEvent | None:
        model = EVENT_DATA[item.type]
        data = self._dates_read(item.data, _date_fields(model))
        if item.task is not None:
            if "task_id" not in model.model_fields:
                self._problem((*where, "task"), f"a {item.type} event names no task")
                return None
            if "task_id" in data:
                self._problem((*where, "task"), "give either `task` or `task_id`, not both")
                return None
        # The task's id exists only at run time; a stand-in lets the rest be checked now.
        stand_in = {"task_id": f"task-{item.task}"} if item.task is not None else {}
        try:
            model.model_validate({**data, **stand_in})
        except ValidationError as error:
            self.problems.extend(self.document.schema_errors(error, at=where))
            return None
        return PlannedEvent(
            at=self.clock.instant(item.at),
            where=format_path(where),
            type=item.type,
            event_id=item.id or f"{scripted.id}-{index + 1}",
            data=data,
            task=item.task,
        )

    def until(self, moment: Moment | None, prospects: list[PlannedProspect]) -> datetime:
        moments = [
            (prospect.where, at)
            for prospect in prospects
            for at in (prospect.enrol_at, *(event.at for event in prospect.events))
        ]
        if moment is None:
            return max(at for _, at in moments) + DEFAULT_RUN_ON
        until = self.clock.instant(moment)
        for where, at in moments:
            if at > until:
                self._problem(
                    ("until",),
                    f"{moment} ends the scenario before something it scripts "
                    f"({where} at {self.clock.label(at)})",
                )
                break
        return until

    def _dates_read(self, data: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
        """`return_date: day 19` means the local date of day 19."""
        read = dict(data)
        for name in fields & read.keys():
            day = parse_day(read[name])
            if day is not None:
                read[name] = self.clock.date_of_day(day)
        return read

    def _problem(self, path: tuple[PathPart, ...], message: str) -> None:
        self.problems.append(self.document.error(path, message))
