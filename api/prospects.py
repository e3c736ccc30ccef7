"""A prospect: contact data and where they are in each journey.

A running journey is asked directly (the workflow's state query is exact and fast); a journey
that has ended, or that does not answer in time, is read from its last projection row.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from sqlmodel import col, select
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowQueryRejectedError
from temporalio.service import RPCError

from api.deps import SessionDep, TemporalDep
from api.schemas import ProspectJourneyOut, ProspectOut
from nurture.tables import Enrollment, ProspectRecord
from workflows.contract import STATE_QUERY, JourneyView, NextAction
from workflows.state import TERMINAL_STATUSES, JourneyState

router = APIRouter(prefix="/prospects", tags=["prospects"])
log = logging.getLogger(__name__)

QUERY_TIMEOUT = timedelta(seconds=2)


# The fields a journey's live state and its projection row share, under the same names.
_JOURNEY_FIELDS = (
    "journey_id",
    "version",
    "stage",
    "score",
    "temperature",
    "lifecycle",
    "status",
    "paused_until",
    "enrolled_at",
)


def _journey_out(
    source: Enrollment | JourneyState,
    *,
    workflow_id: str,
    next_action: NextAction | None,
    origin: Literal["workflow", "projection"],
) -> ProspectJourneyOut:
    return ProspectJourneyOut.model_validate(
        {
            "workflow_id": workflow_id,
            **{field: getattr(source, field) for field in _JOURNEY_FIELDS},
            "variants": (
                source.variants
                if isinstance(source, JourneyState)
                else (source.state or {}).get("variants", {})
            ),
            "next_action": next_action,
            "source": origin,
        }
    )


def _from_projection(row: Enrollment) -> ProspectJourneyOut:
    next_action = None
    if row.next_action and row.next_action_at:
        next_action = NextAction(at=row.next_action_at, description=row.next_action)
    return _journey_out(
        row, workflow_id=row.workflow_id, next_action=next_action, origin="projection"
    )


async def _journey(temporal: Client, row: Enrollment) -> ProspectJourneyOut:
    if row.status in TERMINAL_STATUSES:
        return _from_projection(row)
    try:
        view: JourneyView = await temporal.get_workflow_handle(row.workflow_id).query(
            STATE_QUERY, result_type=JourneyView, rpc_timeout=QUERY_TIMEOUT
        )
    except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError) as error:
        log.info("state query of %s failed (%s); using its projection", row.workflow_id, error)
        return _from_projection(row)
    return _journey_out(
        view.state, workflow_id=row.workflow_id, next_action=view.next_action, origin="workflow"
    )


@router.get("/{prospect_id}", responses={404: {"description": "Unknown prospect."}})
async def get_prospect(prospect_id: str, session: SessionDep, temporal: TemporalDep) -> ProspectOut:
    """Contact data, and per journey: version, stage, score, temperature, status, next action."""
    record = await session.get(ProspectRecord, prospect_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown prospect {prospect_id!r}")
    rows = await session.exec(
        select(Enrollment)
        .where(Enrollment.prospect_id == prospect_id)
        .order_by(col(Enrollment.enrolled_at))
    )
    journeys = await asyncio.gather(*(_journey(temporal, row) for row in rows))
    return ProspectOut(
        id=record.id,
        email=record.email,
        first_name=record.first_name,
        company=record.company,
        timezone=record.timezone,
        attributes=record.attributes,
        created_at=record.created_at,
        journeys=list(journeys),
    )
