"""Activities still running when their prospect is erased write nothing and send nothing.

The erasure deletes the prospect's workflows first, but an activity attempt already running
finishes on its worker. These call the real activities, against a real database and SMTP
server, as such a late attempt would run: after the erasure has committed.
"""

from __future__ import annotations

import asyncio

import pytest
from temporalio.exceptions import ApplicationError

from activities import JourneyActivities, SalesActivities
from activities.sales_activities import PROSPECT_ERASED
from api.erasing import DeletedWorkflows, erase_from_database
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from nurture.tables import Enrollment, ProspectRecord
from tests.fixtures.temporal import no_temporal
from tests.integration.activity_data import (
    AT,
    PROSPECT,
    WORKFLOW_ID,
    journey_state,
    send_input,
    table_rows,
    task_input,
)
from tests.integration.personal_data_search import personal_data_in_tables
from workflows.commands import Decision
from workflows.contract import RecordProjectionInput

PERSONAL = (PROSPECT.email, PROSPECT.first_name or "", PROSPECT.company or "")


def _projection() -> RecordProjectionInput:
    return RecordProjectionInput(
        workflow_id=WORKFLOW_ID,
        state=journey_state(),
        decisions=[Decision(seq=1, at=AT, kind="points", reason=f"{PROSPECT.first_name} read")],
        at=AT,
    )


async def _add_contact(database: Database) -> None:
    async with database.session() as session:
        session.add(ProspectRecord(**PROSPECT.model_dump()))
        await session.commit()


async def _erase(database: Database) -> None:
    """The database half of `DELETE /prospects/{id}`, as run once Temporal has deleted the
    workflows: the activities below are the attempts that were already running then."""
    await erase_from_database(
        database, ProspectRecord(**PROSPECT.model_dump()), DeletedWorkflows([], runs=0)
    )


@pytest.fixture
def sales_activities(database: Database, settings: Settings) -> SalesActivities:
    return SalesActivities(database, settings, no_temporal())


async def test_a_late_projection_send_and_task_leave_no_trace_of_the_erased_prospect(
    database: Database,
    settings: Settings,
    smtp_sink: MailSink,
    sales_activities: SalesActivities,
) -> None:
    journeys = JourneyActivities(database, settings)
    await _add_contact(database)
    await _erase(database)

    await journeys.record_projection(_projection())
    sent = await journeys.send_email(send_input())
    with pytest.raises(ApplicationError) as refused:
        await sales_activities.create_task(task_input())

    assert (sent.status, sent.message_id) == ("dropped", None)
    assert (refused.value.type, refused.value.non_retryable) == (PROSPECT_ERASED, True)
    assert await personal_data_in_tables(database, *PERSONAL) == {}
    assert smtp_sink.messages == []


async def test_a_prospect_enrolled_again_under_the_erased_id_is_written_as_before(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    journeys = JourneyActivities(database, settings)
    await _add_contact(database)
    await _erase(database)
    await _add_contact(database)

    await journeys.record_projection(_projection())
    sent = await journeys.send_email(send_input())

    [enrollment] = await table_rows(database, Enrollment)
    assert enrollment.prospect_id == PROSPECT.id
    # The erased address stays on the suppression list, so the send is still held back.
    assert sent.status == "dropped" and "erased" in (sent.reason or "")
    assert smtp_sink.messages == []


async def test_projections_racing_the_erasure_leave_no_trace_whichever_commits_first(
    database: Database, settings: Settings
) -> None:
    journeys = JourneyActivities(database, settings)
    await _add_contact(database)
    # Projections of ten journeys, some before the erasure commits and some after; on
    # PostgreSQL they also wait on each other's locks, which must not deadlock.
    projections = [
        _projection().model_copy(update={"workflow_id": f"journey:j{n}:prospect:{PROSPECT.id}"})
        for n in range(10)
    ]

    await asyncio.gather(
        *(journeys.record_projection(projection) for projection in projections[:5]),
        _erase(database),
        *(journeys.record_projection(projection) for projection in projections[5:]),
    )

    assert await personal_data_in_tables(database, *PERSONAL) == {}
