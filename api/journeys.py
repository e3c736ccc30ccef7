"""Journey definitions: list, read, validate and publish (YAML or JSON bodies)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from api import publishing
from api.deps import DatabaseDep, SessionDep
from api.schemas import (
    DefinitionErrorOut,
    DefinitionInvalidOut,
    JourneySummary,
    PublishedOut,
    ValidationOut,
)
from definitions.errors import DefinitionInvalid
from definitions.model import MAX_VERSION, JourneyDefinition
from nurture.tables import JourneyVersion

router = APIRouter(prefix="/journeys", tags=["journeys"])

# The smallest useful journey: the example in the API docs (and a valid body for the fuzzer).
_EXAMPLE_DEFINITION = """\
journey: example
name: Example journey
sender: {from: "Anna <anna@example.com>"}
stages:
  - {id: first, points: [1, 10]}
content:
  - id: intro
    stage: first
    title: Intro
    points: 5
    link: https://example.com/intro
    email:
      subject: Intro
      body: <a href="{{ link }}">Read it</a> <a href="{{ unsubscribe_link }}">Unsubscribe</a>
sequences:
  first: {steps: [{send: intro}]}
rules:
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer the reply}}]
"""
# The body is read raw, so the OpenAPI document is told what it may be.
_DEFINITION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The journey definition as YAML (application/yaml) or the same "
        "document as JSON (application/json).",
        "content": {
            "application/yaml": {"schema": {"type": "string"}, "example": _EXAMPLE_DEFINITION},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
_INVALID: dict[int | str, dict[str, Any]] = {
    413: {"description": "The definition is over its size limit."},
    415: {"description": "The body is neither YAML nor JSON."},
    422: {"model": DefinitionInvalidOut, "description": "The definition is invalid."},
}


class DefinitionRejected(Exception):
    """Answered as 422 `{detail, errors: [{path, message, line}]}` by `definition_rejected`."""

    def __init__(self, errors: list[DefinitionErrorOut]) -> None:
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(f"the journey definition is invalid ({len(errors)} {noun})")
        self.errors = errors


async def definition_rejected(_: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DefinitionRejected):  # pragma: no cover - registered for it only
        raise exc
    body = DefinitionInvalidOut(detail=str(exc), errors=exc.errors)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _read_definition(request: Request) -> tuple[JourneyDefinition, str]:
    body = await request.body()
    # Off the event loop: a large file takes seconds to parse (PyYAML is pure Python here),
    # and rendering its templates up to 0.5 s each; other requests carry on meanwhile.
    definition = await asyncio.to_thread(read_definition, body, request.headers.get("content-type"))
    return definition, body.decode("utf-8")


def read_definition(body: bytes, content_type: str | None) -> JourneyDefinition:
    """Parse and validate a definition as sent (the UI's publish page uses it too).

    Raises `DefinitionRejected` (422, every problem with its path and line) or HTTPException
    (413 too large, 415 neither YAML nor JSON).
    """
    if len(body) > publishing.MAX_DEFINITION_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"a definition may be at most {publishing.MAX_DEFINITION_BYTES} bytes",
        )
    try:
        definition = publishing.parse_body(body, content_type)
    except publishing.UnsupportedMediaType as error:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(error)) from error
    except publishing.UnreadableDefinition as error:
        raise DefinitionRejected([DefinitionErrorOut(path="", message=str(error))]) from error
    except DefinitionInvalid as invalid:
        raise DefinitionRejected(
            [
                DefinitionErrorOut(path=error.path, message=error.message, line=error.line)
                for error in invalid.errors
            ]
        ) from invalid
    return definition


@router.get("")
async def list_journeys(session: SessionDep) -> list[JourneySummary]:
    """Every journey with its latest published version."""
    rows = await session.exec(
        select(
            JourneyVersion.journey_id,
            JourneyVersion.version,
            JourneyVersion.name,
            JourneyVersion.published_at,
        ).order_by(col(JourneyVersion.journey_id), col(JourneyVersion.version))
    )
    journeys: dict[str, JourneySummary] = {}
    for journey_id, version, name, published_at in rows:
        known = journeys.get(journey_id)
        versions = [*known.versions, version] if known else [version]
        journeys[journey_id] = JourneySummary(
            id=journey_id,
            name=name,
            version=version,
            published_at=published_at,
            versions=versions,
        )
    return list(journeys.values())


@router.get("/{journey_id}", responses={404: {"description": "Unknown journey or version."}})
async def get_journey(
    journey_id: str,
    session: SessionDep,
    version: int | None = Query(
        default=None, ge=1, le=MAX_VERSION, description="Default: the latest."
    ),
) -> dict[str, Any]:
    """The published definition as JSON: stages, content catalogue, sequences, rules, version."""
    row = await publishing.version_or_404(session, journey_id, version)
    return {**row.definition, "version": row.version, "published_at": row.published_at}


@router.post("/validate", openapi_extra=_DEFINITION_BODY, responses=_INVALID)
async def validate_journey(request: Request) -> ValidationOut:
    """Check a definition without publishing it."""
    definition, _ = await _read_definition(request)
    return ValidationOut(
        journey_id=definition.journey,
        name=definition.name,
        version=definition.version,
        stages=len(definition.stages),
        content=len(definition.content),
        sequences=len(definition.sequences),
        rules=len(definition.rules),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_DEFINITION_BODY,
    responses={
        **_INVALID,
        200: {"model": PublishedOut, "description": "This exact version was already published."},
        409: {"description": "The version exists with a different definition, or is too old."},
    },
)
async def publish_journey(request: Request, response: Response, db: DatabaseDep) -> PublishedOut:
    """Publish a definition as a new version (201), or recognise it as published (200)."""
    definition, source = await _read_definition(request)
    try:
        published = await publishing.publish(db, definition=definition, source=source)
    except publishing.PublishConflict as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    if not published.created:
        response.status_code = status.HTTP_200_OK
    return PublishedOut(
        journey_id=published.journey_id, version=published.version, created=published.created
    )
