"""The web UI: server-rendered Jinja2 pages served by the API (filled in by the UI work)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/ui", include_in_schema=False)


def mount_ui(app: FastAPI) -> None:
    app.include_router(router)
