"""Rendering UI pages: the Jinja2 environment, one `page()` helper, redirects with a flash message.

Templates are autoescaped and strict (an undefined variable is an error, not a blank). Every
page gets `now` (for relative times), `nav` (the active section) and the flash messages left by
the redirect that led here; a flash lives in a short cookie and is shown once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote

import jinja2
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.access import ui_home, ui_sections
from api.auth import Principal
from api.ui import relative_time
from definitions.durations import format_duration

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
FLASH_COOKIE = "nurture_flash"
UI_PATH = "/ui"

FlashKind = Literal["success", "error", "info"]
_FLASH_KINDS: frozenset[str] = frozenset(FlashKind.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Flash:
    kind: FlashKind
    text: str


def sentence(text: str) -> str:
    """The API's messages start in lower case; a flash starts a sentence (the rest is kept)."""
    return text[:1].upper() + text[1:]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        iso=relative_time.iso,
        exact=relative_time.exact,
        duration=format_duration,
        words=lambda value: str(value).replace("_", " "),
        sentence=sentence,
    )
    env.globals.update(
        relative=relative_time.relative,
        deadline=relative_time.deadline,
        is_overdue=relative_time.is_overdue,
    )
    return env


templates = Jinja2Templates(env=_environment())


def read_flashes(request: Request) -> list[Flash]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(unquote(raw))
        return [
            Flash(kind=item["kind"], text=str(item["text"]))
            for item in items
            if item["kind"] in _FLASH_KINDS
        ]
    except (ValueError, KeyError, TypeError):
        return []  # a cookie we cannot read is dropped, never shown half-parsed


def page(
    request: Request, template: str, *, nav: str, status_code: int = 200, **context: Any
) -> Response:
    flashes = read_flashes(request)
    # The logged-in key (set by the UI guard), for the nav it may use and the log-out button.
    viewer = getattr(request.state, "principal", None)
    known = viewer if isinstance(viewer, Principal) else None
    who = {
        "viewer": known,
        "sections": ui_sections(known) if known else [],
        "home": ui_home(known) if known else "/ui/login",
    }
    response = templates.TemplateResponse(
        request,
        template,
        {"nav": nav, "now": datetime.now(UTC), "flashes": flashes, **who, **context},
        status_code=status_code,
    )
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path=UI_PATH)
    return response


def redirect(url: str, *, flash: Flash | None = None) -> RedirectResponse:
    """303 See Other, so the browser follows a form post with a GET."""
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        response.set_cookie(
            FLASH_COOKIE,
            quote(json.dumps([asdict(flash)])),
            path=UI_PATH,
            max_age=120,
            httponly=True,
            samesite="lax",
        )
    return response


def error_page(request: Request, *, status_code: int, message: str, nav: str) -> Response:
    """A friendly page for an unknown journey or task (the API would answer JSON)."""
    return page(request, "error.html", nav=nav, status_code=status_code, message=message)
