"""The real app on a free port (uvicorn), a worker, and Debian's Chromium driven by Playwright.

Like `tests/integration/api_driver.py`, each test gets a fresh database, task queue and journey
id; here the app listens on a real socket so a real browser can use it, and the same `Api`
driver publishes, enrols and posts events over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, Page, ViewportSize, async_playwright
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import ADMIN_KEY_ID
from api.sessions import SESSION_COOKIE, issue_session
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from tests.fixtures.auth import admin_headers
from tests.integration.api_driver import Api, eventually, unique
from worker import build_worker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class LiveApp:
    api: Api  # the HTTP driver, pointed at the live server
    base_url: str

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest_asyncio.fixture
async def live(
    temporal_env: WorkflowEnvironment,
    database: Database,
    settings: Settings,
    smtp_sink: MailSink,
    task_queue: str,
) -> AsyncIterator[LiveApp]:
    settings = settings.model_copy(update={"task_queue": task_queue})
    worker = build_worker(
        temporal_env.client, task_queue=task_queue, db=database, settings=settings
    )
    app = create_app(settings=settings, db=database, temporal=temporal_env.client)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started or serving.done())
        if serving.done():
            serving.result()  # raises why the server did not start
        port = server.servers[0].sockets[0].getsockname()[1]
        base_url = f"http://127.0.0.1:{port}"
        async with (
            worker,
            httpx.AsyncClient(
                base_url=base_url, timeout=30, headers=admin_headers(settings)
            ) as http,
        ):
            yield LiveApp(
                Api(temporal_env, http, database, smtp_sink, unique("journey"), unique("queue")),
                base_url,
            )
    finally:
        server.should_exit = True
        await serving


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():  # noqa: ASYNC240 - one stat before the session's first browser test
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); "
            "Playwright must never download its own browser",
            pytrace=False,
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture
async def page(browser: Browser, settings: Settings) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(15_000)
    # Logged in once, as the admin key: the cookie the login form would have set.
    session = issue_session(settings, key_id=ADMIN_KEY_ID, now=datetime.now(UTC))
    await context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": session,
                "domain": "127.0.0.1",  # any port: the live app's is not known here
                "path": "/",
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()
