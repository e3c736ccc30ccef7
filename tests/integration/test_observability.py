"""What operators watch: counters, readiness, and log lines that name the journey they are about.

Real Temporal dev server, SQLite and SMTP sinks; the last test runs `nurture worker` as its own
process, as production does, with its metrics ports and JSON logs.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, HTTPException
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.metrics import CountServerErrors
from nurture.db import Database, upgrade
from nurture.logs import log_handler
from nurture.metrics import REGISTRY
from nurture.migrations import head_revision
from nurture.settings import Settings
from nurture.smtp_sink import MailSink, free_port
from tests.integration.api_driver import Api, eventually
from tests.integration.journey_driver import JourneyDriver, small_definition
from worker import build_worker
from workflows.state import Prospect

ROOT = Path(__file__).parents[2]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus exposition, 0 when it is not there (yet)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def metrics_text(http: httpx.AsyncClient, url: str = "/metrics") -> str:
    response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_the_api_counts_events_received_e_mails_sent_and_tasks_created(api: Api) -> None:
    await api.publish()
    before = await metrics_text(api.http)
    forms_before = metric(before, "nurture_events_received_total", type="form_submitted")
    assert metric(before, "nurture_emails_sent_total", journey=api.journey_id) == 0

    assert (await api.enroll("mia", first_name="Mia")).status_code == 201
    # The webinar's 100 points cross the hand-off threshold: a task for sales.
    await api.post_event("webinar", "mia", "form_submitted", form_id="webinar")

    async def counted() -> str | None:
        text = await metrics_text(api.http)
        tasks = metric(text, "nurture_tasks_created_total", journey=api.journey_id, kind="handoff")
        return text if tasks else None

    after = await eventually(counted)
    assert metric(after, "nurture_emails_sent_total", journey=api.journey_id) == 1
    assert metric(after, "nurture_events_received_total", type="form_submitted") == (
        forms_before + 1
    )
    assert metric(after, "nurture_tasks_created_total", journey=api.journey_id, kind="handoff") == 1
    # The same event again is received (and counted) but changes nothing.
    await api.post_event("webinar", "mia", "form_submitted", form_id="webinar")
    again = await metrics_text(api.http)
    assert metric(again, "nurture_events_received_total", type="form_submitted") == (
        forms_before + 2
    )
    assert metric(again, "nurture_tasks_created_total", journey=api.journey_id, kind="handoff") == 1


async def test_server_errors_of_the_api_are_counted_but_probes_are_not() -> None:
    app = FastAPI()
    app.add_middleware(CountServerErrors)

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("bug")

    @app.get("/unavailable")
    async def unavailable() -> None:
        raise HTTPException(503, "journey unreachable")

    @app.get("/ready")
    async def not_ready() -> None:
        raise HTTPException(503, "no worker")

    def api_errors() -> float:
        return REGISTRY.get_sample_value("nurture_errors_total", {"where": "api"}) or 0.0

    before = api_errors()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/broken")).status_code == 500
        assert (await http.get("/unavailable")).status_code == 503
        assert (await http.get("/ready")).status_code == 503
    assert api_errors() == before + 2


@pytest.fixture
def own_queue(settings: Settings, task_queue: str) -> Settings:
    """Settings naming the test's own task queue, which no worker has polled yet."""
    return settings.model_copy(update={"task_queue": task_queue})


@pytest_asyncio.fixture
async def probe(
    temporal_env: WorkflowEnvironment, database: Database, own_queue: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=own_queue, db=database, temporal=temporal_env.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_ready_only_once_a_worker_polls_the_task_queue(
    probe: httpx.AsyncClient,
    temporal_env: WorkflowEnvironment,
    database: Database,
    own_queue: Settings,
) -> None:
    queue = own_queue.task_queue
    waiting = await probe.get("/ready")
    assert waiting.status_code == 503
    assert waiting.json() == {
        "ready": False,
        "checks": {
            "database": "ok",
            "schema": "ok",
            "temporal": "ok",
            "workers": f"no worker is polling task queue {queue!r}",
        },
        "reasons": [f"workers: no worker is polling task queue {queue!r}"],
    }
    # Liveness does not depend on workers: the API itself is fine.
    assert (await probe.get("/health")).status_code == 200

    async with build_worker(temporal_env.client, task_queue=queue, db=database, settings=own_queue):

        async def answered_ready() -> httpx.Response | None:
            response = await probe.get("/ready")
            return response if response.status_code == 200 else None

        ready = await eventually(answered_ready)
    assert ready.json()["ready"] is True and ready.json()["reasons"] == []


async def _schema_check(
    temporal_env: WorkflowEnvironment, settings: Settings, database_url: str
) -> str:
    db = Database.from_url(database_url)
    app = create_app(settings=settings, db=db, temporal=temporal_env.client)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/ready")
    finally:
        await db.dispose()
    assert response.json()["checks"]["database"] == "ok"
    schema: str = response.json()["checks"]["schema"]
    assert (response.status_code == 200) == (schema == "ok" and response.json()["ready"])
    return schema


async def test_not_ready_until_the_schema_is_migrated_to_the_newest_revision(
    temporal_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/migrated.db"
    empty = await _schema_check(temporal_env, settings, url)
    assert empty.startswith("missing tables: ") and "sent_emails" in empty.split(", ")

    await upgrade(url, revision="0001")
    behind = await _schema_check(temporal_env, settings, url)
    assert behind == (f"at revision 0001, expected {head_revision()}: run `nurture db upgrade`")
    await upgrade(url)
    assert await _schema_check(temporal_env, settings, url) == "ok"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """JSON lines of everything logged at WARNING and above while the test runs."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _prospect(prospect_id: str) -> Prospect:
    return Prospect(id=prospect_id, email=f"{prospect_id}@shop.example", first_name="Ola")


async def test_log_lines_of_an_activity_carry_its_workflow_prospect_and_journey(
    temporal_env: WorkflowEnvironment,
    database: Database,
    settings: Settings,
    refusing_sink: MailSink,
    task_queue: str,
    json_log: io.StringIO,
) -> None:
    # Every recipient refused: the journey's e-mail fails for good, and so does the notice
    # about the hand-off task, which the activity logs and carries on.
    refused = settings.model_copy(update={"smtp_port": refusing_sink.port})
    failed_sends = REGISTRY.get_sample_value(
        "nurture_errors_total", {"where": "activity:send_email"}
    )
    async with build_worker(
        temporal_env.client, task_queue=task_queue, db=database, settings=refused
    ):
        journeys = JourneyDriver(temporal_env, task_queue)
        handle = await journeys.start(small_definition(), _prospect("olaf"))
        await journeys.until(handle, lambda view: view.state.undeliverable)
        await journeys.send(handle, "reply", "email_replied", text="Call me")
        await journeys.until(handle, lambda view: view.state.status == "handed_off")

        def notice_line() -> dict[str, Any] | None:
            lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
            return next((line for line in lines if "not delivered" in line["message"]), None)

        line = await eventually(notice_line)
    assert line["level"] == "WARNING" and line["logger"] == "temporalio.activity"
    assert (line["workflow_id"], line["prospect_id"], line["journey_id"]) == (
        handle.id,
        "olaf",
        "small",
    )
    assert line["message"].startswith("notice about task ")
    assert (
        REGISTRY.get_sample_value("nurture_errors_total", {"where": "activity:send_email"}) or 0.0
    ) == (failed_sends or 0.0) + 1


def _two_free_ports() -> int:
    """A port free now whose next port is free too (the worker serves metrics on both)."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("0.0.0.0", port + 1))
            except OSError:
                continue
        return port


@pytest_asyncio.fixture
async def worker_process(
    temporal_env: WorkflowEnvironment, refusing_sink: MailSink, task_queue: str, tmp_path: Path
) -> AsyncIterator[tuple[int, asyncio.subprocess.Process]]:
    """`nurture worker` as production runs it, with metrics and JSON logs; every recipient
    refused by its SMTP server, so its activities have something to log."""
    metrics_port = _two_free_ports()
    environment = {name: value for name, value in os.environ.items() if "NURTURE_" not in name}
    environment |= {
        "PYTHONPATH": str(ROOT),
        "NURTURE_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "NURTURE_TASK_QUEUE": task_queue,
        "NURTURE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/nurture.db",
        "NURTURE_SMTP_HOST": "127.0.0.1",
        "NURTURE_SMTP_PORT": str(refusing_sink.port),
        "NURTURE_METRICS_PORT": str(metrics_port),
        "NURTURE_LOG_FORMAT": "json",
    }
    with (tmp_path / "worker.log").open("wb") as log_file:  # the child keeps its own handle
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "nurture.cli",
            "worker",
            cwd=tmp_path,  # no .env of a developer's
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        yield metrics_port, process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)


async def test_a_worker_process_serves_sdk_and_nurture_metrics_and_logs_json_lines(
    temporal_env: WorkflowEnvironment,
    task_queue: str,
    tmp_path: Path,
    worker_process: tuple[int, asyncio.subprocess.Process],
) -> None:
    metrics_port, process = worker_process
    journeys = JourneyDriver(temporal_env, task_queue)
    handle = await journeys.start(small_definition(), _prospect("pia"))
    await journeys.until(handle, lambda view: view.state.undeliverable, within_seconds=60)
    await journeys.send(handle, "reply", "email_replied", text="Call me")
    await journeys.until(handle, lambda view: view.state.status == "handed_off")

    async with httpx.AsyncClient(base_url="http://127.0.0.1") as http:

        async def nurture_counted() -> str | None:
            text = await metrics_text(http, f"http://127.0.0.1:{metrics_port + 1}/metrics")
            tasks = metric(text, "nurture_tasks_created_total", journey="small", kind="handoff")
            return text if tasks else None

        nurture = await eventually(nurture_counted)
        sdk = await metrics_text(http, f"http://127.0.0.1:{metrics_port}/metrics")
    assert metric(nurture, "nurture_errors_total", where="activity:send_email") == 1
    assert metric(nurture, "nurture_tasks_created_total", journey="small", kind="handoff") == 1
    sdk_names = {family.name for family in text_string_to_metric_families(sdk)}
    assert {"temporal_worker_start", "temporal_activity_execution_failed"} <= sdk_names

    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 20) == 0
    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines()]
    notice = next(line for line in lines if "not delivered" in line["message"])
    assert (notice["workflow_id"], notice["prospect_id"], notice["journey_id"]) == (
        handle.id,
        "pia",
        "small",
    )
    # The message is the message: the ids are fields of their own, not appended to it.
    assert "{" not in notice["message"]
    assert any(line["message"].startswith("worker polling task queue") for line in lines)
