"""The simulation driver: the production interpreter on a virtual clock, with nothing sent.

It drives `workflows.interpreter` exactly as `workflows.prospect_workflow` does: enrol, then
sleep until the next scripted event or the interpreter's `next_action`, whichever comes first;
on waking, apply every event due (in script order), then `advance`. There is no second
implementation of any journey behaviour here, only a clock and the in-memory outside world of
`simulation.effects`.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from definitions.model import JourneyDefinition
from definitions.policy import SendingPolicy
from simulation.effects import Noted, Outside, RoundRobin
from simulation.moments import ScenarioClock
from simulation.path import (
    ContactPreview,
    EmailPreview,
    PathEntry,
    ProspectPath,
    SimulationResult,
    Snapshot,
    TaskPreview,
    Upcoming,
    first_difference,
)
from simulation.scenario import PlannedEvent, PlannedProspect, ScenarioPlan
from workflows import interpreter
from workflows.events import ProspectEvent
from workflows.timing import next_action

# A journey that keeps waking at the same instant (or every second) is a bug; stop and say so.
MAX_WAKE_UPS = 10_000


class SimulationFailed(ValueError):
    """The scenario cannot be played out; `path` names the part of the file at fault."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def simulate(
    definition: JourneyDefinition,
    plan: ScenarioPlan,
    *,
    policy: SendingPolicy | None = None,
) -> SimulationResult:
    """Play every prospect of the scenario; `policy` overrides the scenario's own."""
    round_robin = RoundRobin()
    clock = plan.clock
    paths = [
        _ProspectRun.enrol(
            definition=definition,
            planned=planned,
            policy=policy if policy is not None else plan.policy,
            round_robin=round_robin,
            clock=clock,
        ).play(until=plan.until)
        for planned in plan.prospects
    ]
    return SimulationResult(
        journey_id=definition.journey,
        journey_name=definition.name,
        version=definition.version,
        timezone=clock.zone.key,
        start=clock.day_zero,
        until=plan.until,
        until_day=clock.day_of(plan.until),
        prospects=paths,
    )


class _ProspectRun:
    """One prospect's journey, woken as its workflow would be, and the path it leaves."""

    def __init__(
        self,
        *,
        definition: JourneyDefinition,
        planned: PlannedProspect,
        clock: ScenarioClock,
        outside: Outside,
    ) -> None:
        self.definition = definition
        self.planned = planned
        self.clock = clock
        self.outside = outside
        self.path: list[PathEntry] = []
        self.snapshot: Snapshot | None = None

    @classmethod
    def enrol(
        cls,
        *,
        definition: JourneyDefinition,
        planned: PlannedProspect,
        policy: SendingPolicy | None,
        round_robin: RoundRobin,
        clock: ScenarioClock,
    ) -> _ProspectRun:
        started = interpreter.enroll(definition, planned.prospect, planned.enrol_at)
        outside = Outside(
            definition=definition,
            policy=policy,
            clock=clock,
            round_robin=round_robin,
            state=started[0],
        )
        run = cls(definition=definition, planned=planned, clock=clock, outside=outside)
        run._record(outside.carry_out(started, planned.enrol_at))
        return run

    def play(self, *, until: datetime) -> ProspectPath:
        definition, now = self.definition, self.planned.enrol_at
        pending = deque(self.planned.events)
        for _ in range(MAX_WAKE_UPS):
            wake = self._next_wake(pending)
            if self.outside.state.is_terminal or wake is None or wake > until:
                return self._result(pending)
            # An action already due runs at once, as the workflow's zero-length wait does.
            now = max(wake, now)
            noted: list[Noted] = []
            while pending and pending[0].at <= now and not self.outside.state.is_terminal:
                event = self._event(pending.popleft())
                applied = interpreter.apply_event(definition, self.outside.state, event, now)
                noted += self.outside.carry_out(applied, now)
            advanced = interpreter.advance(definition, self.outside.state, now)
            noted += self.outside.carry_out(advanced, now)
            self._record(noted)
        raise SimulationFailed(
            self.planned.where,
            f"the journey woke up more than {MAX_WAKE_UPS} times by "
            f"{self.clock.label(now)}; it keeps finding something due (a loop in the journey?)",
        )

    def _next_wake(self, pending: deque[PlannedEvent]) -> datetime | None:
        upcoming = next_action(self.definition, self.outside.state)
        moments = [moment.at for moment in (upcoming, pending[0] if pending else None) if moment]
        return min(moments, default=None)

    def _event(self, planned: PlannedEvent) -> ProspectEvent:
        """The scripted event as the API would deliver it; `task: N` becomes the N-th task id."""
        prospect_id = self.planned.prospect.id
        if planned.task is None:
            return planned.event(prospect_id=prospect_id)
        tasks = self.outside.state.tasks
        if planned.task > len(tasks):
            made = f"only {len(tasks)} task(s) exist" if tasks else "no task exists"
            raise SimulationFailed(
                f"{planned.where}.task",
                f"task {planned.task} at {self.clock.label(planned.at)}: {made} by then",
            )
        return planned.event(prospect_id=prospect_id, task_id=tasks[planned.task - 1].id)

    def _record(self, noted: list[Noted]) -> None:
        """Add a wake-up's decisions to the path; the state after it, if it changed."""
        entries = [self._entry(item) for item in noted]
        snapshot = Snapshot.of(self.outside.state)
        if entries and snapshot != self.snapshot:
            entries[-1].state = snapshot
            self.snapshot = snapshot
        self.path += entries

    def _entry(self, item: Noted) -> PathEntry:
        decision, attachment = item.decision, item.attachment
        return PathEntry(
            **decision.model_dump(),
            day=self.clock.day_of(decision.at),
            time=self.clock.local_time(decision.at),
            email=attachment if isinstance(attachment, EmailPreview) else None,
            task=attachment if isinstance(attachment, TaskPreview) else None,
            contact=attachment if isinstance(attachment, ContactPreview) else None,
        )

    def _result(self, pending: deque[PlannedEvent]) -> ProspectPath:
        state, prospect, expected = self.outside.state, self.planned.prospect, self.planned.expect
        ended = "the journey had ended" if state.is_terminal else "after the scenario's end"
        actual = [entry.expect_line for entry in self.path]
        return ProspectPath(
            id=prospect.id,
            email=prospect.email,
            timezone=prospect.timezone or self.definition.defaults.timezone,
            path=self.path,
            final=Snapshot.of(state),
            next=self._upcoming(),
            not_applied=[
                f"{self.clock.label(event.at)} {event.describe()}: {ended}" for event in pending
            ],
            expected=expected is not None,
            difference=None
            if expected is None
            else first_difference(expected, actual, file_lines=self.planned.expect_file_lines),
        )

    def _upcoming(self) -> Upcoming | None:
        """What the journey would do next, had the scenario gone on."""
        upcoming = next_action(self.definition, self.outside.state)
        if upcoming is None:
            return None
        return Upcoming(
            at=upcoming.at, when=self.clock.label(upcoming.at), description=upcoming.description
        )
