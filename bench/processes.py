"""The stack's processes: the Temporal dev server, `nurture worker` and `nurture api`, each a
child process with its log in `<workdir>/<name>.log`.

Shared by the benchmark harness (`bench/stack.py`), which measures them, and the fault tests
(`tests/faults`), which kill and restart them. Starting the dev server again with the same
settings and work directory reopens the same SQLite file on the same port: a restart, not a new
server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import httpx
from pydantic import SecretStr
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from nurture.devstack import HOST, DevStackError, _die_with_parent, temporal_binary
from nurture.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# The dev server's own defaults are far above what two cores can drive, but a limit hit during
# a burst would read as our slowness: raise them out of the way.
SERVER_LIMITS = ("frontend.rps=100000", "frontend.namespaceRPS=100000")
# Where the dev server keeps its state: a temp SQLite file in WAL mode (the default: real
# persistence, as `nurture dev` has), the same file with SQLite's default rollback journal and
# full sync (exactly what `nurture dev` runs today), or memory only.
ServerStorage = Literal["wal", "file", "memory"]
SERVER_STORAGE: tuple[ServerStorage, ...] = ("wal", "file", "memory")


def stack_settings(
    workdir: Path, *, task_queue: str, temporal_port: int, smtp_port: int, api_port: int
) -> Settings:
    return Settings(
        environment="development",
        temporal_address=f"{HOST}:{temporal_port}",
        task_queue=task_queue,
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
    return {f"NURTURE_{name.upper()}": _plain(value) for name, value in values.items()}


def _plain(value: object) -> str:
    # A secret's str() is its mask ("**********"), which the child would take as the value.
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def check_alive(processes: Mapping[str, asyncio.subprocess.Process], workdir: Path) -> None:
    """Fail loudly when a component died: results from a half-dead stack mean nothing."""
    for name, process in processes.items():
        if process.returncode is not None:
            log = workdir / f"{name}.log"
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            raise DevStackError(
                f"the {name} exited with code {process.returncode}:\n" + "\n".join(tail)
            )


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


async def start_server(
    workdir: Path, settings: Settings, storage: ServerStorage
) -> asyncio.subprocess.Process:
    """The dev server on the settings' port, its state in `<workdir>/temporal.db`."""
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


async def spawn(
    workdir: Path, name: str, arguments: list[str], environment: Mapping[str, str]
) -> asyncio.subprocess.Process:
    """This Python running `arguments` (e.g. `-m nurture.cli worker`), logging to `<name>.log`."""
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


async def wait_for_pollers(
    temporal: Client,
    *,
    namespace: str,
    task_queue: str,
    check_alive: Callable[[], None],
    worker_pid: int | None = None,
) -> None:
    """Until a worker (the one of `worker_pid`, if given) polls the queue: work started earlier
    would wait for it. The server lists pollers seen in the last minutes, dead ones too; a
    worker's identity is `<pid>@<host>` by default, which tells the new one apart."""
    wanted = f"{worker_pid}@" if worker_pid is not None else ""
    request = DescribeTaskQueueRequest(
        namespace=namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    while True:
        check_alive()
        answer = await temporal.workflow_service.describe_task_queue(request)
        if any(poller.identity.startswith(wanted) for poller in answer.pollers):
            return
        await asyncio.sleep(0.2)


async def wait_for_api(api_url: str, *, check_alive: Callable[[], None]) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        while True:
            check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
