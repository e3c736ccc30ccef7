"""A database the API cannot reach is a 503 with Retry-After: the caller sends again, nothing is
lost. (The fault tests show it with a locked SQLite database and a stopped PostgreSQL.)"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import free_port
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal


def _unreachable_url(kind: str, tmp_path: Path) -> str:
    if kind == "postgresql":
        # Nothing listens there: asyncpg's connect is refused, as with a server stopped.
        return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nurture"
    # A directory where the database file should be: every connection fails to open it.
    blocked = tmp_path / "blocked.db"
    blocked.mkdir()
    return f"sqlite+aiosqlite:///{blocked}"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_an_unreachable_database_answers_503_with_retry_after(
    kind: str, settings: Settings, tmp_path: Path
) -> None:
    db = Database.from_url(_unreachable_url(kind, tmp_path))
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
