"""Publishing journey definitions: versions, idempotence, and reading them back.

Used by the journeys router and by `nurture dev` (which publishes the shipped demo journeys), so
the version rules live in one place:

- a document without `version` becomes latest + 1 (1 for a new journey);
- a document that names an existing version with the same definition is a no-op (idempotent);
  with a different definition it is a conflict, as is a version lower than the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from definitions.loader import parse_definition
from definitions.model import JourneyDefinition
from nurture.db import Database
from nurture.tables import JourneyVersion

MAX_DEFINITION_BYTES = 1024 * 1024

_JSON_TYPES = frozenset({"application/json"})
_YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", ""}
)


class UnsupportedMediaType(Exception):
    pass


class UnreadableDefinition(Exception):
    """The body is not text at all, so there is nothing to point a path or line at."""


class PublishConflict(Exception):
    pass


@dataclass(frozen=True)
class Published:
    journey_id: str
    version: int
    created: bool


def media_type_of(content_type: str | None) -> Literal["yaml", "json"]:
    """`application/json` (or `+json`) is JSON; YAML types, text/plain or none are YAML."""
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    if essence in _JSON_TYPES or essence.endswith("+json"):
        return "json"
    if essence in _YAML_TYPES:
        return "yaml"
    raise UnsupportedMediaType(
        f"send the definition as application/yaml or application/json, not {essence!r}"
    )


def parse_body(body: bytes, content_type: str | None) -> JourneyDefinition:
    """Parse and validate a request body; raises `definitions.errors.DefinitionInvalid`."""
    media_type = media_type_of(content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableDefinition(f"the body is not UTF-8 text ({error.reason})") from error
    if not text.strip():
        raise UnreadableDefinition("the body is empty: send the journey definition")
    return parse_definition(text, source="<request>", media_type=media_type)


def definition_of(row: JourneyVersion) -> JourneyDefinition:
    """The stored definition, typed again, with its version set."""
    definition = JourneyDefinition.model_validate(row.definition)
    if definition.version != row.version:
        definition = definition.model_copy(update={"version": row.version})
    return definition


def stored_form(definition: JourneyDefinition) -> dict[str, object]:
    return definition.model_dump(mode="json", by_alias=True)


async def latest_version(session: AsyncSession, journey_id: str) -> JourneyVersion | None:
    statement = (
        select(JourneyVersion)
        .where(JourneyVersion.journey_id == journey_id)
        .order_by(col(JourneyVersion.version).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def find_version(
    session: AsyncSession, journey_id: str, version: int
) -> JourneyVersion | None:
    statement = select(JourneyVersion).where(
        JourneyVersion.journey_id == journey_id, JourneyVersion.version == version
    )
    return (await session.exec(statement)).first()


async def version_or_404(
    session: AsyncSession, journey_id: str, version: int | None
) -> JourneyVersion:
    """The given version of a journey, or its latest; 404 naming what is unknown."""
    if version is None:
        row = await latest_version(session, journey_id)
    else:
        row = await find_version(session, journey_id, version)
    if row is None:
        which = f"version {version} of journey" if version is not None else "journey"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown {which} {journey_id!r}")
    return row


def _same(row: JourneyVersion, definition: JourneyDefinition) -> bool:
    return row.definition == stored_form(definition.model_copy(update={"version": row.version}))


async def publish(
    db: Database,
    *,
    definition: JourneyDefinition,
    source: str,
    reuse_unchanged_latest: bool = False,
) -> Published:
    """Store a validated definition as a new version, or recognise it as already published.

    `reuse_unchanged_latest` makes an unversioned document that equals the latest version a
    no-op instead of a new version (what `nurture dev` wants on every restart).
    """
    journey_id = definition.journey
    async with db.session() as session:
        latest = await latest_version(session, journey_id)
        if definition.version is None:
            if latest is not None and reuse_unchanged_latest and _same(latest, definition):
                return Published(journey_id, latest.version, created=False)
            version = 1 if latest is None else latest.version + 1
        else:
            version = definition.version
            existing = await find_version(session, journey_id, version)
            if existing is not None:
                if _same(existing, definition):
                    return Published(journey_id, version, created=False)
                raise PublishConflict(
                    f"version {version} of journey {journey_id!r} is already published with a "
                    "different definition; publish it as a new version (or omit `version` to "
                    "get the next one)"
                )
            if latest is not None and version < latest.version:
                raise PublishConflict(
                    f"version {version} of journey {journey_id!r} is older than the latest "
                    f"published version {latest.version}; versions only go up"
                )
        versioned = definition.model_copy(update={"version": version})
        session.add(
            JourneyVersion(
                journey_id=journey_id,
                version=version,
                name=definition.name,
                source=source,
                definition=stored_form(versioned),
            )
        )
        try:
            await session.commit()
        except IntegrityError as error:
            raise PublishConflict(
                f"version {version} of journey {journey_id!r} was published at the same moment "
                "by another request; fetch the journey and try again"
            ) from error
    return Published(journey_id, version, created=True)
