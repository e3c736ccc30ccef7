"""Simulate a published journey: imagined prospects and their events, on a virtual clock.

Nothing is sent, stored or started in Temporal: the production interpreter plays the scenario
in memory (`simulation.runner`) and the answer is the path each prospect takes, the same
document `nurture simulate --json` prints.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import JSONResponse

from api import publishing
from api.deps import SessionDep
from api.schemas import DefinitionErrorOut, DefinitionInvalidOut, RequestInvalidOut
from definitions.errors import DefinitionError
from definitions.model import MAX_VERSION
from simulation.documents import ScenarioInvalid, document_of
from simulation.path import SimulationResult
from simulation.runner import SimulationFailed, simulate
from simulation.scenario import plan

router = APIRouter(prefix="/journeys", tags=["journeys"])

_SCENARIO_EXAMPLE = {
    "start": "2026-03-02T09:00:00",
    "until": "day 30",
    "prospects": [
        {
            "id": "anna",
            "email": "anna@example.com",
            "events": [
                {"at": "day 2 10:00", "type": "content_consumed", "content_id": "pricing-plans"},
                {"at": "day 5", "type": "out_of_office", "return_date": "day 19"},
                {"at": "day 20", "type": "email_replied", "text": "Let's talk"},
            ],
        }
    ],
}


@router.post(
    "/{journey_id}/simulate",
    response_model=SimulationResult,
    responses={
        404: {"description": "No such journey (or version)."},
        422: {
            "model": DefinitionInvalidOut | RequestInvalidOut,
            "description": "The scenario is invalid (`errors`), or the request is (`detail`).",
        },
    },
)
async def simulate_journey(
    journey_id: str,
    scenario: Annotated[
        dict[str, Any],
        Body(
            description="The scenario, as in a scenario file (docs/simulation.md), with an "
            "optional `policy` (frequency cap, quiet periods) to simulate under.",
            examples=[_SCENARIO_EXAMPLE],
        ),
    ],
    session: SessionDep,
    version: int | None = Query(
        default=None, ge=1, le=MAX_VERSION, description="Default: the latest."
    ),
) -> SimulationResult | JSONResponse:
    """Play the scenario through the journey and answer each prospect's path."""
    row = await publishing.version_or_404(session, journey_id, version)
    definition = publishing.definition_of(row)
    try:
        planned = plan(document_of(scenario, source="<request>"), definition)
        # Pure but CPU-bound: played off the event loop so other requests carry on.
        return await asyncio.to_thread(simulate, definition, planned)
    except ScenarioInvalid as invalid:
        return _rejected(invalid.errors)
    except SimulationFailed as failure:
        return _rejected(
            [DefinitionError(file="<request>", path=failure.path, message=failure.message)]
        )


def _rejected(errors: list[DefinitionError]) -> JSONResponse:
    noun = "error" if len(errors) == 1 else "errors"
    body = DefinitionInvalidOut(
        detail=f"the scenario is invalid ({len(errors)} {noun})",
        errors=[
            DefinitionErrorOut(path=error.path, message=error.message, line=error.line)
            for error in errors
        ],
    )
    return JSONResponse(body.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
