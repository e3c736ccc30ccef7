"""Logging in to the web UI with an API key, logging out, and the pages for refused requests.

The login page takes a pasted key; a good one (admin, marketer or sales) gets a session cookie
(`api/sessions.py`) naming the key's id, and the browser goes back to the page it came from.
A missing session redirects here; a page the key's role may not open answers 403.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, cast
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response

from api.access import UI_ROLES, ui_home
from api.auth import NotAuthenticated, principal_for_key
from api.deps import DatabaseDep, SettingsDep
from api.sessions import SESSION_COOKIE, cookie_options, issue_session
from api.ui.forms import read_form
from api.ui.guard import LOGIN_PATH, LoginRequired, UiForbidden, check_same_origin
from api.ui.rendering import Flash, page, redirect
from nurture.settings import Settings

router = APIRouter()


@router.get("/login")
async def login_page(
    request: Request, back_to: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    return _login_form(request, back_to=_safe_back_to(back_to))


@router.post("/login")
async def log_in(request: Request, settings: SettingsDep, db: DatabaseDep) -> Response:
    # A forged login (into the attacker's account) is a cross-site request too.
    check_same_origin(request)
    form = await read_form(request)
    back_to = _safe_back_to(form.get("next"))
    key = form.get("key", "").strip()
    if not key:
        return _login_form(request, back_to=back_to, error="Paste your API key.", status_code=400)
    try:
        principal = await principal_for_key(settings, db, key)
    except NotAuthenticated as refused:
        error = f"That key was refused: {refused.detail}."
        return _login_form(request, back_to=back_to, error=error, status_code=401)
    if not principal.has_role(UI_ROLES):
        return _login_form(
            request,
            back_to=back_to,
            error=f"A key of the {principal.role} role has no pages to open here.",
            status_code=403,
        )
    response = redirect(back_to or ui_home(principal))
    token = issue_session(settings, key_id=principal.key_id, now=datetime.now(UTC))
    response.set_cookie(SESSION_COOKIE, token, **asdict(cookie_options(settings)))
    return response


@router.post("/logout")
async def log_out(request: Request, settings: SettingsDep) -> Response:
    check_same_origin(request)
    response = redirect(LOGIN_PATH, flash=Flash("info", "You are logged out."))
    _forget_session(response, settings)
    return response


def install_handlers(app: FastAPI) -> None:
    """Answer the UI guard's refusals with pages, not JSON."""
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(UiForbidden, _forbidden)


async def _to_login(request: Request, exc: Exception) -> Response:
    back_to = exc.back_to if isinstance(exc, LoginRequired) else None
    target = LOGIN_PATH + (f"?next={quote(back_to, safe='/')}" if back_to else "")
    response = redirect(target)
    if SESSION_COOKIE in request.cookies:  # expired, or its key was revoked
        _forget_session(response, cast(Settings, request.app.state.settings))
    return response


async def _forbidden(request: Request, exc: Exception) -> Response:
    return page(request, "forbidden.html", nav="", status_code=403, message=str(exc))


def _login_form(
    request: Request, *, back_to: str | None, error: str | None = None, status_code: int = 200
) -> Response:
    return page(
        request, "login.html", nav="", status_code=status_code, back_to=back_to, error=error
    )


def _safe_back_to(target: str | None) -> str | None:
    """`target` if it is a page of this UI; anything else could send the user elsewhere."""
    if not target or not target.startswith("/ui/") or "\\" in target:
        return None
    if any(ord(character) < 32 for character in target):
        return None
    return target


def _forget_session(response: Response, settings: Settings) -> None:
    options = cookie_options(settings)
    response.delete_cookie(
        SESSION_COOKIE,
        path=options.path,
        secure=options.secure,
        httponly=options.httponly,
        samesite=options.samesite,
    )
