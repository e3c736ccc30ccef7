"""The fuzz run's app, once per module: the session's real Temporal dev server, a real SQLite
file, a real SMTP sink, a worker; seeded over HTTP before the first generated request.

Module-scoped rather than per test: schemathesis makes one test per operation, and seeding a
fresh stack for each of them would spend the run's whole time budget on setup.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from tests.fixtures.auth import admin_headers
from tests.fuzz.live_app import LiveApp
from tests.fuzz.seed import SeedIds, seed


@dataclass(frozen=True)
class FuzzTarget:
    base_url: str
    headers: dict[str, str]
    seeded: SeedIds
    sink: MailSink


@pytest.fixture(scope="module")
def fuzz_sink() -> Iterator[MailSink]:
    sink = MailSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="module")
def fuzz_settings(
    tmp_path_factory: pytest.TempPathFactory,
    temporal_env: WorkflowEnvironment,
    fuzz_sink: MailSink,
) -> Settings:
    """As `tests/fixtures/database.py`'s `settings` (explicit values, no .env), for a module."""
    database = Path(tmp_path_factory.mktemp("fuzz")) / "nurture.db"
    return Settings(
        _env_file=None,
        environment="development",
        database_url=f"sqlite+aiosqlite:///{database}",
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue=f"fuzz-{uuid.uuid4().hex[:12]}",
        smtp_host="127.0.0.1",
        smtp_port=fuzz_sink.port,
        smtp_username=None,
        smtp_password=None,
        smtp_starttls=False,
        public_base_url="http://testserver",
        # Hundreds of requests a minute from one key: the fuzzer tests answers, not the limit.
        rate_limit_per_minute=0,
    )


@pytest.fixture(scope="module")
def fuzz_target(fuzz_settings: Settings, fuzz_sink: MailSink) -> Iterator[FuzzTarget]:
    # Every request of the run (seed, generated cases) carries the settings' admin key, from
    # the one helper the whole suite uses, so every operation is reachable.
    headers = admin_headers(fuzz_settings)
    with (
        LiveApp(fuzz_settings) as app,
        httpx.Client(base_url=app.base_url, headers=headers, timeout=30) as http,
    ):
        seeded = seed(http, link_secret=fuzz_settings.link_secret)
        yield FuzzTarget(app.base_url, headers, seeded, fuzz_sink)
