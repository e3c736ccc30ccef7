"""The product as separate real processes, and the faults a test inflicts on them.

    server   the Temporal dev server, its state in `<workdir>/temporal.db`: stopped and started
             again on the same file and port
    worker   `nurture worker`: SIGKILLed, and a new one started in its place
    api      `nurture api`: never harmed; it must answer through every fault
    sink     the SMTP server, in this process (`tests.faults.sink`): stopped, started, stalled
    database the application's SQLite file: locked by this process with BEGIN EXCLUSIVE; or a
             PostgreSQL cluster of the stack's own (`scripts/postgres.sh`): stopped and
             started again on the same files and port

Processes are started the way the benchmark starts them (`bench.processes`); the logs stay in
the test's temporary directory for the post-mortem of a failed run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.client import Client

from bench.processes import (
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
from nurture.smtp_sink import free_port_for_server
from nurture.visibility import register_search_attributes
from tests.faults.client import REQUEST_TIMEOUT_SECONDS, ProductClient
from tests.faults.sink import FaultySink

TASK_QUEUE = "nurture-faults"
POSTGRES_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres.sh"
START_TIMEOUT_SECONDS = 60.0


@dataclass
class FaultStack:
    workdir: Path
    settings: Settings
    temporal: Client
    sink: FaultySink
    db: Database
    api: ProductClient
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    workers_started: int = 0
    postgres: PostgresCluster | None = None

    @property
    def database_path(self) -> Path:
        return self.workdir / "nurture.db"

    def check_alive(self) -> None:
        check_alive(self.processes, self.workdir)

    async def start_worker(self) -> None:
        """A new `nurture worker`, polling before this returns."""
        self.workers_started += 1
        process = await spawn(
            self.workdir,
            f"worker-{self.workers_started}",
            ["-m", "nurture.cli", "worker"],
            settings_environment(self.settings),
        )
        self.processes["worker"] = process
        async with asyncio.timeout(START_TIMEOUT_SECONDS):
            await wait_for_pollers(
                self.temporal,
                namespace=self.settings.temporal_namespace,
                task_queue=TASK_QUEUE,
                check_alive=self.check_alive,
                worker_pid=process.pid,
            )

    async def kill_worker(self) -> None:
        """SIGKILL: no shutdown, no goodbye to Temporal, activities cut off where they are."""
        process = self.processes.pop("worker")
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop_temporal(self) -> None:
        """SIGTERM to the dev server (SIGKILL if it does not stop within 10 s)."""
        await _stop_temporal(self.processes.pop("server"))

    async def restart_temporal(self) -> None:
        """The dev server again, on the same port and database file."""
        process = await start_server(self.workdir, self.settings, "wal")
        self.processes["server"] = process
        self.temporal = await _wait_for_temporal(
            process, self.settings, self.workdir / "server.log"
        )

    @contextlib.asynccontextmanager
    async def database_stopped(self) -> AsyncIterator[None]:
        """The PostgreSQL server down (open connections cut, new ones refused), then up again
        on the same port with everything it had committed."""
        assert self.postgres is not None, "the stack runs on SQLite"
        await self.postgres.run("pause")
        try:
            yield
        finally:
            await self.postgres.run("resume")

    @contextlib.asynccontextmanager
    async def database_locked(self) -> AsyncIterator[None]:
        """Every writer to the application database waits, then fails with "database is
        locked" once its busy timeout runs out; readers go on (WAL)."""
        # Taken on a worker thread (it may wait for a writer to finish), released on this one.
        connection = sqlite3.connect(
            self.database_path, isolation_level=None, timeout=60, check_same_thread=False
        )
        try:
            await asyncio.to_thread(connection.execute, "BEGIN EXCLUSIVE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()


@dataclass(frozen=True)
class PostgresCluster:
    """A throwaway cluster run by `scripts/postgres.sh` in a directory of its own."""

    directory: Path

    async def run(self, command: str) -> str:
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(POSTGRES_SCRIPT),
            command,
            env={**os.environ, "NURTURE_POSTGRES_DIR": str(self.directory / "cluster")},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"postgres.sh {command} failed: {err.decode(errors='replace')}")
        return out.decode().strip()


@contextlib.asynccontextmanager
async def postgres_cluster() -> AsyncIterator[PostgresCluster]:
    # Under /tmp and world-searchable: as root the script runs the server as `postgres`, which
    # cannot reach into pytest's private temporary directories.
    directory = Path(tempfile.mkdtemp(prefix="nurture-faults-pg-"))
    os.chmod(directory, 0o755)
    cluster = PostgresCluster(directory)
    try:
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError):
            await cluster.run("stop")
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.asynccontextmanager
async def fault_stack(
    workdir: Path, postgres: PostgresCluster | None = None
) -> AsyncIterator[FaultStack]:
    """The whole product up and polling, its SMTP sink listening; everything stopped after.
    On SQLite in `workdir`, or on the given PostgreSQL cluster."""
    api_port = free_port_for_server()
    sink = FaultySink(HOST)
    settings = stack_settings(
        workdir,
        task_queue=TASK_QUEUE,
        temporal_port=free_port_for_server(),
        smtp_port=sink.port,
        api_port=api_port,
    )
    if postgres is not None:
        settings = settings.model_copy(update={"database_url": await postgres.run("start")})
    db = Database.from_url(settings.database_url)
    headers = bearer_header(settings.admin_key.get_secret_value())
    http = httpx.AsyncClient(
        base_url=settings.public_base_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
    )
    processes: dict[str, asyncio.subprocess.Process] = {}
    try:
        processes["server"] = await start_server(workdir, settings, "wal")
        temporal = await _wait_for_temporal(processes["server"], settings, workdir / "server.log")
        # Before any worker: a journey upserting an unknown search attribute would stall.
        await register_search_attributes(temporal)
        sink.start()
        # Tables first, here: two processes creating them at once would race.
        await db.create_tables()
        stack = FaultStack(
            workdir=workdir,
            settings=settings,
            temporal=temporal,
            sink=sink,
            db=db,
            api=ProductClient(http),
            processes=processes,
            postgres=postgres,
        )
        processes["api"] = await spawn(
            workdir,
            "api",
            ["-m", "nurture.cli", "api", "--host", HOST, "--port", str(api_port)],
            settings_environment(settings),
        )
        await stack.start_worker()
        async with asyncio.timeout(START_TIMEOUT_SECONDS):
            await wait_for_api(settings.public_base_url, check_alive=stack.check_alive)
        yield stack
    finally:
        for name in ("api", "worker", "server"):
            if name in processes:
                await _stop_temporal(processes[name])
        sink.stop()
        await http.aclose()
        await db.dispose()
