"""Migrating running prospects to a newer version of their journey: dry run first, then apply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import DatabaseDep, TemporalDep
from api.migrating import (
    MigrationOut,
    MigrationRequest,
    StageMapInvalid,
    UnknownVersion,
    migrate_prospects,
)

router = APIRouter(prefix="/journeys/{journey_id}/migrations", tags=["migrations"])


@router.post(
    "",
    responses={
        202: {"model": MigrationOut, "description": "Applied: the journeys were signalled."},
        404: {"description": "Unknown journey, or a version that was never published."},
        422: {"description": "`stage_map` names a stage that does not exist."},
    },
)
async def migrate(
    journey_id: str,
    body: Annotated[MigrationRequest, Body()],
    response: Response,
    db: DatabaseDep,
    temporal: TemporalDep,
) -> MigrationOut:
    """Move running prospects on older versions to `to_version`, mapping renamed stages.

    By default a dry run: per prospect, where they would move, what is kept and dropped, and
    any problem; nothing changes. With `dry_run: false` each prospect without a problem is
    moved by its own journey (202); the same request again moves nobody twice.
    """
    try:
        answer = await migrate_prospects(
            db=db, temporal=temporal, journey_id=journey_id, request=body
        )
    except UnknownVersion as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except StageMapInvalid as error:
        # The same shape as any other invalid field, pointed at the map entry.
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "stage_map", error.old_stage),
                    "msg": str(error),
                    "type": "value_error",
                    "input": body.stage_map[error.old_stage],
                }
            ]
        ) from error
    if not body.dry_run:
        response.status_code = status.HTTP_202_ACCEPTED
    return answer
