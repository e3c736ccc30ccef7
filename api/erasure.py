"""`DELETE /prospects/{id}` erases a prospect; `GET /erasures/{id}` says that and when.

Both are admin-only (`api/app.py` includes `router` with the admin group). The DELETE is
idempotent: the same request again answers the same record with 200, so a client that lost the
first answer can simply retry.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from api.deps import DatabaseDep, SessionDep, TemporalDep
from api.erasing import TemporalUnavailable, UnknownProspect, erase_prospect
from nurture.erasures import Erasure, latest_erasure

erase_router = APIRouter(prefix="/prospects", tags=["privacy"])
records_router = APIRouter(prefix="/erasures", tags=["privacy"])
# One router for `api/app.py` to include (with the admin group) in one line.
router = APIRouter()


class ErasureOut(BaseModel):
    prospect_id: str = Field(description="As asked; the record itself keeps only its SHA-256.")
    erased_at: datetime
    already_erased: bool = Field(
        default=False, description="True when an earlier request did the erasure."
    )
    workflows_deleted: int = Field(description="Journeys removed from Temporal.")
    runs_deleted: int = Field(description="Their runs (continue-as-new, re-entries) removed.")
    rows: dict[str, dict[str, int]] = Field(
        description="Per table: rows deleted and rows kept under a pseudonym."
    )


def _out(erasure: Erasure, *, prospect_id: str, already_erased: bool) -> ErasureOut:
    counts = erasure.counts
    return ErasureOut(
        prospect_id=prospect_id,
        erased_at=erasure.erased_at,
        already_erased=already_erased,
        workflows_deleted=int(counts.get("workflows", 0)),
        runs_deleted=int(counts.get("runs", 0)),
        rows=dict(counts.get("tables", {})),
    )


@erase_router.delete(
    "/{prospect_id}",
    responses={
        404: {"description": "Unknown prospect (never enrolled, and never erased)."},
        503: {"description": "Temporal could not delete the workflows; nothing was erased."},
    },
)
async def delete_prospect(prospect_id: str, db: DatabaseDep, temporal: TemporalDep) -> ErasureOut:
    """Erase the prospect (right to erasure): terminate and delete every journey workflow in
    Temporal, delete or pseudonymise every row about them, suppress their address for good,
    and keep an anonymised record of the erasure (docs/privacy.md)."""
    try:
        result = await erase_prospect(db=db, temporal=temporal, prospect_id=prospect_id)
    except UnknownProspect as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except TemporalUnavailable as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{error}; nothing was erased, send the request again",
            headers={"Retry-After": "5"},
        ) from error
    return _out(result.erasure, prospect_id=prospect_id, already_erased=result.already_erased)


@records_router.get("/{prospect_id}", responses={404: {"description": "Never erased."}})
async def get_erasure(prospect_id: str, session: SessionDep) -> ErasureOut:
    """Whether and when the prospect was erased (the latest erasure, if more than one)."""
    erasure = await latest_erasure(session, prospect_id=prospect_id)
    if erasure is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no erasure of prospect {prospect_id!r}")
    return _out(erasure, prospect_id=prospect_id, already_erased=True)


router.include_router(erase_router)
router.include_router(records_router)
