"""The web UI: server-rendered Jinja2 pages served by the API, under /ui.

One module per page family (journeys, publishing, the sales inbox, prospects, reports), each with
its own router included here; the layout, styles and shared components live in `templates/`
and `static/`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.ui import pages_inbox, pages_journeys, pages_prospects, pages_publish, pages_reports
from api.ui.rendering import STATIC_DIR

router = APIRouter(prefix="/ui", include_in_schema=False)
router.include_router(pages_journeys.router)
router.include_router(pages_publish.router)
router.include_router(pages_inbox.router)
router.include_router(pages_prospects.router)
router.include_router(pages_reports.router)


async def _to_ui() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


def mount_ui(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.add_api_route("/", _to_ui, methods=["GET"], include_in_schema=False)
