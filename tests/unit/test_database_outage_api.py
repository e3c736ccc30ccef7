"""A database the API cannot reach is a 503 with Retry-After: the caller sends again, nothing is
lost. (The fault test `tests/faults/test_database_outage.py` shows it with a locked database.)"""

from __future__ import annotations

from pathlib import Path

import httpx

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal


async def test_an_unreachable_database_answers_503_with_retry_after(
    settings: Settings, tmp_path: Path
) -> None:
    # A directory where the database file should be: every connection fails to open it.
    blocked = tmp_path / "blocked.db"
    blocked.mkdir()
    db = Database.from_url(f"sqlite+aiosqlite:///{blocked}")
    app = create_app(settings=settings, db=db, temporal=no_temporal())
    event = {"id": "e-1", "prospect_id": "p-1", "type": "form_submitted", "data": {"form_id": "x"}}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers=admin_headers(settings),
        ) as http:
            posted = await http.post("/events", json=event)
            listed = await http.get("/journeys")
    finally:
        await db.dispose()

    for response in (posted, listed):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert "the database is unavailable" in response.json()["detail"]
