"""Links in e-mails: tracked clicks (`/t/…`) and unsubscribe (`/u/…`, also one-click POST).

Both turn into ordinary prospect events delivered by the same service as `POST /events`, so a
click scores and moves the prospect exactly as a `content_consumed` webhook would. Tokens are
signed (`nurture.links`); a token that does not verify is a 404, not a hint.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select
from temporalio.client import Client

from api import publishing
from api.delivery import UnknownProspects, deliver_events
from api.deps import DatabaseDep, SettingsDep, TemporalDep
from nurture.db import Database
from nurture.links import CLICK_EVENT_PREFIX, InvalidLinkToken, LinkToken, read_token
from nurture.settings import Settings
from nurture.tables import Enrollment, JourneyVersion
from workflows.contract import journey_workflow_id
from workflows.events import ContentConsumed, ContentConsumedData, Unsubscribed, UnsubscribedData

router = APIRouter(tags=["links"])
log = logging.getLogger(__name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto; line-height: 1.5">
<h1>{title}</h1><p>{message}</p></body></html>
"""


def _token(secret: str, token: str, kind: str) -> LinkToken:
    try:
        parsed = read_token(secret, token)
    except InvalidLinkToken as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link") from error
    if parsed.kind != kind:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link")
    return parsed


async def _content_link(db: Database, token: LinkToken, content_id: str) -> str:
    """The content's link in the prospect's version, else in the newest version that has it:
    an e-mail sent before a migration may point at content the new version dropped."""
    async with db.session() as session:
        enrollment = await session.get(
            Enrollment, journey_workflow_id(token.journey_id, token.prospect_id)
        )
        rows = await session.exec(
            select(JourneyVersion)
            .where(JourneyVersion.journey_id == token.journey_id)
            .order_by(col(JourneyVersion.version).desc())
        )
        versions = list(rows)
    current = enrollment.version if enrollment is not None else None
    versions.sort(key=lambda row: row.version != current)  # stable: newest first otherwise
    for row in versions:
        item = publishing.definition_of(row).find_content(content_id)
        if item is not None:
            return item.link
    raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link")


@router.get(
    "/t/{token}",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    response_class=RedirectResponse,
    responses={404: {"description": "The token does not verify or names unknown content."}},
)
async def tracked_click(
    token: str, db: DatabaseDep, temporal: TemporalDep, settings: SettingsDep
) -> RedirectResponse:
    """Record `content_consumed` for the prospect, then send them on to the content."""
    click = _token(settings.link_secret, token, "click")
    if click.content_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link")
    target = await _content_link(db, click, click.content_id)
    event = ContentConsumed(
        id=f"{CLICK_EVENT_PREFIX}{uuid.uuid4()}",
        prospect_id=click.prospect_id,
        type="content_consumed",
        data=ContentConsumedData(content_id=click.content_id),
    )
    try:
        await deliver_events(db, temporal, [event])
    except UnknownProspects as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link") from error
    except Exception:
        # The prospect still gets the content; the event is recorded with a note, if at all.
        log.exception("could not deliver the click %s", event.id)
    return RedirectResponse(target, status_code=status.HTTP_307_TEMPORARY_REDIRECT)


async def _unsubscribe(
    token: str, reason: str, db: Database, temporal: Client, settings: Settings
) -> bool:
    link = _token(settings.link_secret, token, "unsubscribe")
    event = Unsubscribed(
        id=f"unsubscribe:{uuid.uuid4()}",
        prospect_id=link.prospect_id,
        type="unsubscribed",
        data=UnsubscribedData(reason=reason),
    )
    try:
        deliveries = await deliver_events(db, temporal, [event])
    except UnknownProspects as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link") from error
    return not any(delivery.failed for delivery in deliveries)


_HTML = {"text/html": {"schema": {"type": "string"}}}
_UNKNOWN_LINK: dict[int | str, dict[str, Any]] = {
    404: {"description": "The token does not verify, or names an unknown prospect."}
}


@router.get("/u/{token}", response_class=HTMLResponse, responses=_UNKNOWN_LINK)
async def unsubscribe_page(token: str, settings: SettingsDep) -> HTMLResponse:
    """The unsubscribe link in every e-mail: a page with one button that confirms.

    A GET must not unsubscribe: mail scanners and link previews fetch every link in a message.
    """
    _token(settings.link_secret, token, "unsubscribe")
    return HTMLResponse(
        _PAGE.format(
            title="Unsubscribe",
            message='Stop all e-mails from us? <form method="post">'
            '<button type="submit">Unsubscribe</button></form>',
        )
    )


@router.post(
    "/u/{token}",
    response_class=HTMLResponse,
    responses={
        **_UNKNOWN_LINK,
        503: {"description": "Not yet applied: a page asks to try again.", "content": _HTML},
    },
)
async def unsubscribe(
    token: str, db: DatabaseDep, temporal: TemporalDep, settings: SettingsDep
) -> HTMLResponse:
    """The confirmation button, and RFC 8058 one-click unsubscribe sent by mail clients."""
    if await _unsubscribe(token, "unsubscribe link", db, temporal, settings):
        return HTMLResponse(
            _PAGE.format(
                title="You are unsubscribed",
                message="You will not receive any more e-mails from us.",
            )
        )
    return HTMLResponse(
        _PAGE.format(
            title="Please try again",
            message="We could not process your request just now. Please try again in a minute.",
        ),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
