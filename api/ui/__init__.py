"""The web UI: server-rendered Jinja2 pages served by the API, under /ui.

One module per page family (journeys, publishing, the sales inbox, prospects, reports), each with
its own router included here behind a login (`login.py`, `guard.py`); the layout, styles and
shared components live in `templates/` and `static/`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.ui import (
    login,
    pages_inbox,
    pages_journeys,
    pages_prospects,
    pages_publish,
    pages_reports,
)
from api.ui.guard import ui_section
from api.ui.rendering import STATIC_DIR

router = APIRouter(prefix="/ui", include_in_schema=False)
# Every page needs a login; each family the role of api/access.py's UI_SECTIONS.
router.include_router(login.router)
router.include_router(pages_journeys.router, dependencies=[Depends(ui_section("journeys"))])
router.include_router(pages_publish.router, dependencies=[Depends(ui_section("journeys"))])
router.include_router(pages_inbox.router, dependencies=[Depends(ui_section("inbox"))])
router.include_router(pages_prospects.router, dependencies=[Depends(ui_section("prospects"))])
router.include_router(pages_reports.router, dependencies=[Depends(ui_section("reports"))])


async def _to_ui() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


def mount_ui(app: FastAPI) -> None:
    login.install_handlers(app)
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.add_api_route("/", _to_ui, methods=["GET"], include_in_schema=False)
