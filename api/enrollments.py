"""Enrolling prospects in a journey: one prospect (201 or 409) or a list of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Response, status

from api import publishing
from api.deps import DatabaseDep, SettingsDep, TemporalDep
from api.enrolling import enroll
from api.schemas import BulkEnrollmentOut, EnrollmentOut, ProspectsBody

router = APIRouter(prefix="/journeys/{journey_id}/enrollments", tags=["enrollments"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "No published journey has this id."},
        409: {"description": "The prospect is already active in the journey (for a list: all)."},
        503: {"description": "Temporal could not start the journey; try again."},
    },
)
async def enroll_prospects(
    journey_id: str,
    body: Annotated[ProspectsBody, Body()],
    response: Response,
    db: DatabaseDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> EnrollmentOut | BulkEnrollmentOut:
    """Start the journey (its latest published version) for each prospect.

    A list answers `{enrolled, conflicts, errors}`: 201 when any prospect was enrolled, 409
    when every one was already in the journey.
    """
    async with db.session() as session:
        row = await publishing.latest_version(session, journey_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown journey {journey_id!r}")
    definition = publishing.definition_of(row)
    items = body if isinstance(body, list) else [body]
    report = await enroll(
        db=db,
        temporal=temporal,
        settings=settings,
        definition=definition,
        prospects=[item.as_prospect() for item in items],
    )

    if not isinstance(body, list):
        if report.enrolled:
            return report.enrolled[0]
        if report.conflicts:
            conflict = report.conflicts[0]
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"prospect {conflict.prospect_id!r}: {conflict.reason}"
            )
        failure = report.errors[0]
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"could not start the journey for {failure.prospect_id!r}: {failure.message}",
        )

    if not report.enrolled:
        response.status_code = (
            status.HTTP_503_SERVICE_UNAVAILABLE if report.errors else status.HTTP_409_CONFLICT
        )
    return BulkEnrollmentOut(
        enrolled=report.enrolled, conflicts=report.conflicts, errors=report.errors
    )
