"""The FastAPI application: built by a factory from what it needs, routers assembled here."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette import status
from temporalio.client import Client

from api import (
    access,
    body_errors,
    body_limit,
    codec_server,
    enrollments,
    erasure,
    events,
    health,
    inbound,
    journeys,
    keys,
    links,
    metrics,
    migrations,
    policy,
    prospects,
    rate_limit,
    reports,
    simulate,
    tasks,
    timeline,
    unavailable,
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


# Every router with who may call it (`api/access.py`); the UI checks its own pages.
_ROUTERS = (
    (health.router, access.PUBLIC),
    (metrics.router, access.PUBLIC),
    (journeys.router, access.MARKETING),
    (enrollments.router, access.ENROLLING),
    (events.router, access.INGESTION),
    (prospects.router, access.MARKETING),
    (tasks.router, access.SALES),
    (reports.router, access.MARKETING),
    (inbound.router, access.INGESTION),
    (links.router, access.PUBLIC),  # signed tokens are their own proof
    (simulate.router, access.MARKETING),
    (policy.router, access.MARKETING),
    (migrations.router, access.MARKETING),
    (timeline.router, access.MARKETING),
    (keys.router, access.ADMIN),
    (erasure.router, access.ADMIN),
    (codec_server.router, access.ADMIN),
)


def create_app(*, settings: Settings, db: Database, temporal: Client) -> FastAPI:
    app = FastAPI(
        title="Nurture",
        version="0.1.0",
        description=DESCRIPTION,
        responses={**body_limit.RESPONSES, **rate_limit.RESPONSES},
    )
    app.state.settings = settings
    app.state.db = db
    app.state.temporal = temporal

    app.add_exception_handler(RequestValidationError, _request_invalid)
    body_errors.answer_undecodable_bodies(app)
    unavailable.answer_database_outages(app)
    app.add_middleware(metrics.CountServerErrors)
    # Added last, so outermost: a caller over its rate is refused before its body is read.
    app.add_middleware(body_limit.BodyLimit, settings=settings)
    app.add_middleware(rate_limit.RateLimit, settings=settings)
    app.add_exception_handler(journeys.DefinitionRejected, journeys.definition_rejected)

    for router, dependencies in _ROUTERS:
        app.include_router(router, dependencies=dependencies)
    mount_ui(app)
    return app
