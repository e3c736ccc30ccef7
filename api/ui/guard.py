"""Who may open a UI page: the logged-in key (from the session cookie) and its role, and a
check that a form was posted by our own pages.

A page without a valid session redirects to the login page (and back after it); a key whose
role does not fit the page gets a 403 page. Forms are protected against cross-site request
forgery twice: the session cookie is SameSite=Strict (another site's form is sent without
it), and every non-GET request to the UI must come with an `Origin` (or, failing that,
`Referer`) of this site. The header check was chosen over a token in a hidden field because
it covers every form, present and future, without touching one template, and browsers set
`Origin` on every form post, so nothing legitimate lacks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, cast
from urllib.parse import urlsplit

from fastapi import Depends, Request

from api.access import UI_ROLES, UI_SECTIONS
from api.auth import SAFE_METHODS, Principal, principal_for_key_id
from api.sessions import SESSION_COOKIE, read_session
from nurture.db import Database
from nurture.settings import Settings

LOGIN_PATH = "/ui/login"


class LoginRequired(Exception):
    """No valid session: log in, then come back to `back_to` (a GET page) if given."""

    def __init__(self, back_to: str | None) -> None:
        super().__init__("log in to use the web UI")
        self.back_to = back_to


class UiForbidden(Exception):
    """The request is refused with a 403 page saying why."""


async def ui_viewer(request: Request) -> Principal:
    """The logged-in key; its row is read again on every request, so revoking it logs out."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    settings = cast(Settings, request.app.state.settings)
    token = request.cookies.get(SESSION_COOKIE)
    key_id = read_session(settings, token, now=datetime.now(UTC)) if token else None
    principal = None
    if key_id is not None:
        principal = await principal_for_key_id(cast(Database, request.app.state.db), key_id)
    if principal is None or not principal.has_role(UI_ROLES):
        raise LoginRequired(_path_with_query(request) if request.method == "GET" else None)
    request.state.principal = principal
    return principal


ViewerDep = Annotated[Principal, Depends(ui_viewer)]


def ui_section(section: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency for one family of pages: same-site forms, a session, the right role."""
    roles = UI_SECTIONS[section]

    async def section_check(request: Request) -> Principal:
        check_same_origin(request)
        principal = await ui_viewer(request)
        if not principal.has_role(roles):
            raise UiForbidden(
                f"Your key ({principal.role}) cannot open {section}: "
                f"it needs a {' or '.join(roles)} key."
            )
        return principal

    return section_check


def check_same_origin(request: Request) -> None:
    """Refuse a state-changing request that another site's page made the browser send."""
    if request.method in SAFE_METHODS:
        return
    sender = request.headers.get("origin") or request.headers.get("referer")
    if sender is None or _origin(sender) not in _own_origins(request):
        raise UiForbidden(
            "This form was sent from another site (or without saying where from), so it was "
            "refused. Open the page here and send it again."
        )


def _own_origins(request: Request) -> set[str | None]:
    settings = cast(Settings, request.app.state.settings)
    # The address the browser used, and the configured public one (behind a proxy that
    # rewrites the Host header, only the latter matches).
    return {_origin(str(request.base_url)), _origin(settings.public_base_url)} - {None}


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None  # also `Origin: null`, sent by sandboxed frames and privacy modes
    default = 443 if parts.scheme == "https" else 80
    shown = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{parts.hostname}{shown}"


def _path_with_query(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
