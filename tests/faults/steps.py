"""The steps every fault test takes around its fault: start journeys, post events, wait for the
e-mails, end the journeys, count.

A `Run` is one journey published under a fresh id with its prospects enrolled. It remembers every
event posted, so the tally knows what must have been applied.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from temporalio.client import WorkflowHandle

from tests.faults.harness import FaultStack
from tests.faults.journey import (
    CONTENT,
    DEMO_FORM,
    DEMO_TASK_TITLE,
    Event,
    fault_journey,
    finish,
)
from tests.faults.tally import Expected, Tally, count
from tests.integration.api_driver import eventually
from workflows.contract import journey_workflow_id
from workflows.state import JourneyState

# After the last journey ended: time for anything still on its way (a second copy sent by a
# stray attempt) to reach the sink before it is counted.
SETTLE_SECONDS = 1.0


@dataclass
class Run:
    stack: FaultStack
    journey_id: str
    prospects: list[str]
    events: dict[str, str] = field(default_factory=dict)
    # Prospects expected to have a task (they asked for a demo).
    with_task: set[str] = field(default_factory=set)

    @property
    def workflows(self) -> dict[str, str]:
        return {pid: journey_workflow_id(self.journey_id, pid) for pid in self.prospects}

    def handle(self, prospect_id: str) -> WorkflowHandle[object, JourneyState]:
        return self.stack.temporal.get_workflow_handle(
            self.workflows[prospect_id], result_type=JourneyState
        )

    async def post(self, events: Iterable[Event], *, concurrency: int = 10) -> None:
        events = list(events)
        for event in events:
            self.events[event.id] = event.prospect_id
            if event.type == "form_submitted" and event.data.get("form_id") == DEMO_FORM:
                self.with_task.add(event.prospect_id)
        await self.stack.api.post_all(events, concurrency=concurrency)

    def mail_count(self, content_id: str) -> int:
        """Prospects of this run that have received `content_id` (at least once)."""
        return len(
            {
                mail.prospect_id
                for mail in self.stack.sink.arrived
                if mail.content_id == content_id and mail.prospect_id in self.prospects
            }
        )

    async def wait_for_mail(self, content_id: str, *, within: float) -> None:
        """Until every prospect has received `content_id`."""
        await eventually(lambda: self.mail_count(content_id) == len(self.prospects), within)

    async def finish(self, *, within: float) -> dict[str, JourneyState]:
        """End every journey through its goal; the final states, once every one has ended."""
        await self.post(finish(pid) for pid in self.prospects)
        async with asyncio.timeout(within):
            states = await asyncio.gather(*(self.handle(pid).result() for pid in self.prospects))
        await asyncio.sleep(SETTLE_SECONDS)
        return dict(zip(self.prospects, states, strict=True))

    async def tally(self) -> Tally:
        expected = Expected(
            workflows=self.workflows,
            content={pid: CONTENT for pid in self.prospects},
            tasks={pid: (DEMO_TASK_TITLE,) for pid in self.with_task},
            events=self.events,
        )
        return await count(
            self.stack.db,
            expected=expected,
            arrived=self.stack.sink.arrived,
            posting=self.stack.api.posting,
        )


async def start_run(stack: FaultStack, *, prospects: int, wait: str) -> Run:
    """Publish a fresh copy of the fault journey and enrol `prospects` new prospects in it."""
    tag = uuid.uuid4().hex[:8]
    run = Run(stack, f"faults-{tag}", [f"p{number:03d}-{tag}" for number in range(prospects)])
    await stack.api.publish(fault_journey(run.journey_id, wait=wait))
    await stack.api.enroll(run.journey_id, run.prospects)
    return run


async def start_run_with_a_send_stalled_in_data(stack: FaultStack, *, prospects: int) -> Run:
    """A run whose first e-mail the SMTP server has stored but not yet answered: a fault taken
    now leaves the send that learns of its success unable to record it."""
    stack.sink.stall_once("data")
    run = await start_run(stack, prospects=prospects, wait="2s")
    await stack.sink.wait_until_stalled(within=30)
    return run


def assert_complete(states: Mapping[str, JourneyState], run: Run) -> None:
    """Every journey ended by its goal, having sent its three e-mails once each and applied
    every event posted for it."""
    for pid, state in states.items():
        assert state.status == "completed", (pid, state.status, state.ended_reason)
        assert [sent.content_id for sent in state.sent] == list(CONTENT), (pid, state.sent)
        posted = {event_id for event_id, owner in run.events.items() if owner == pid}
        assert posted <= set(state.applied_event_ids), (pid, posted - set(state.applied_event_ids))
        assert len(state.applied_event_ids) == len(set(state.applied_event_ids)), pid
        tasks = [task.title for task in state.tasks]
        assert tasks == ([DEMO_TASK_TITLE] if pid in run.with_task else []), (pid, tasks)
