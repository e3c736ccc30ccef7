"""The FastAPI application: built by a factory from what it needs, routers assembled here."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette import status
from temporalio.client import Client

from api import (
    enrollments,
    events,
    health,
    inbound,
    journeys,
    links,
    metrics,
    migrations,
    policy,
    prospects,
    reports,
    simulate,
    tasks,
    timeline,
)
from api.schemas import clean_validation_errors
from api.ui import mount_ui
from nurture.db import Database
from nurture.settings import Settings

DESCRIPTION = """
Durable, non-linear nurture journeys on Temporal. Publish a journey definition, enroll
prospects, send their events; every prospect in a journey is one durable workflow.
"""


async def _request_invalid(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(
        {"detail": jsonable_encoder(clean_validation_errors(errors))},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def create_app(*, settings: Settings, db: Database, temporal: Client) -> FastAPI:
    app = FastAPI(title="Nurture", version="0.1.0", description=DESCRIPTION)
    app.state.settings = settings
    app.state.db = db
    app.state.temporal = temporal

    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_middleware(metrics.CountServerErrors)
    app.add_exception_handler(journeys.DefinitionRejected, journeys.definition_rejected)

    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(journeys.router)
    app.include_router(enrollments.router)
    app.include_router(events.router)
    app.include_router(prospects.router)
    app.include_router(tasks.router)
    app.include_router(reports.router)
    app.include_router(inbound.router)
    app.include_router(links.router)
    app.include_router(simulate.router)
    app.include_router(policy.router)
    app.include_router(migrations.router)
    app.include_router(timeline.router)
    mount_ui(app)
    return app
