"""The `nurture` command: run everything locally, validate journeys, run components, import CSV.

Heavy imports (Temporal, FastAPI, the worker) happen inside the commands that need them, so
`nurture validate` answers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from nurture.importer import ImportReport, Row

app = typer.Typer(
    name="nurture",
    help="Durable, non-linear nurture journeys on Temporal.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def _configure_logging(level: int = logging.INFO) -> None:
    from nurture.logs import configure_logging
    from nurture.settings import get_settings

    configure_logging(log_format=get_settings().log_format, level=level)


@app.command()
def dev(
    api_port: Annotated[int, typer.Option(help="Port of the HTTP API.")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="Port of the Temporal server.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Port of the Temporal web UI.")] = 8233,
    smtp_port: Annotated[int, typer.Option(help="Port of the local SMTP sink.")] = 1025,
    data_dir: Annotated[
        Path, typer.Option(help="Where Temporal, the database and caught mail are kept.")
    ] = Path("data"),
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Publish the shipped demo journeys.")
    ] = True,
) -> None:
    """Run Temporal, the worker, the API and an SMTP sink on this machine; Ctrl-C stops all."""
    from nurture.devstack import DevOptions, DevStackError, run_dev

    _configure_logging(logging.WARNING)
    options = DevOptions(
        api_port=api_port,
        temporal_port=temporal_port,
        ui_port=ui_port,
        smtp_port=smtp_port,
        data_dir=data_dir,
        demo=demo,
    )
    try:
        code = asyncio.run(run_dev(options, console))
    except DevStackError as error:
        errors.print(f"[red]nurture dev:[/] {error}")
        raise typer.Exit(1) from error
    raise typer.Exit(code)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Journey files (YAML or JSON).")],
) -> None:
    """Validate journey files: `ok` per good file, every error of a bad one on its own line.

    Then play the scenarios kept beside each good file (`<name>.scenarios/*.yaml`): each must
    run, and follow the path it records under `expect:` (the first difference is shown).
    """
    from definitions.errors import DefinitionInvalid
    from definitions.loader import load_file
    from simulation.checks import check_scenarios

    invalid = 0
    for path in files:
        try:
            definition = load_file(path)
        except OSError as error:
            invalid += 1
            typer.echo(f"{path}: cannot read: {error.strerror or error}")
        except DefinitionInvalid as problem:
            invalid += 1
            for item in problem.errors:
                typer.echo(str(item))
        else:
            typer.echo(f"{path}: ok")
            for check in check_scenarios(path, definition):
                if not check.passed:
                    invalid += 1
                for line in check.lines:
                    typer.echo(line)
    if invalid:
        raise typer.Exit(1)


@app.command("classify-reply")
def classify_reply(
    files: Annotated[list[Path], typer.Argument(help="Raw messages (.eml), as received.")],
) -> None:
    """Classify messages as Nurture would: one JSON line per file (kind, return date, …).

    Return dates are read relative to each message's Date header (the time it was sent).
    """
    import json
    from dataclasses import asdict
    from datetime import UTC, datetime

    from inbound.classify import classify
    from inbound.message import MessageUnreadable, parse_message

    unreadable = 0
    for path in files:
        line: dict[str, object] = {"file": str(path)}
        try:
            verdict = classify(parse_message(path.read_bytes()), received_at=datetime.now(UTC))
        except OSError as error:
            unreadable += 1
            typer.echo(f"{path}: cannot read: {error.strerror or error}", err=True)
            continue
        except MessageUnreadable as error:
            line |= {"kind": "unknown", "return_date": None, "alternate_contact": None}
            line["reason"] = f"not an e-mail: {error}"
        else:
            contact = verdict.alternate_contact
            line |= {
                "kind": verdict.kind,
                "return_date": verdict.return_date.isoformat() if verdict.return_date else None,
                "alternate_contact": asdict(contact) if contact else None,
                "reason": verdict.reason,
            }
        typer.echo(json.dumps(line, ensure_ascii=False))
    if unreadable:
        raise typer.Exit(1)


@app.command("inbound-smtp")
def inbound_smtp(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 2526,
) -> None:
    """Receive replies over SMTP (instead of the webhook) and apply them to journeys."""
    from nurture.db import Database
    from nurture.inbound_smtp import serve_inbound_smtp
    from nurture.settings import get_settings
    from nurture.temporal_client import connect_temporal

    _configure_logging()
    settings = get_settings()

    async def serve() -> None:
        db = Database.from_url(settings.database_url)
        await db.upgrade()
        server = await serve_inbound_smtp(
            db, await connect_temporal(settings), host=host, port=port
        )
        console.print(f"Inbound SMTP listening on {host}:{port}")
        try:
            await server.serve_forever()
        finally:
            await db.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


@app.command()
def worker() -> None:
    """Run a worker against NURTURE_* settings (any number may share the task queue)."""
    from nurture.settings import get_settings
    from worker import run_worker

    _configure_logging()
    settings = get_settings()
    asyncio.run(_until_signalled(lambda stop: _cancel_on(stop, run_worker(settings))))


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the HTTP API against NURTURE_* settings."""
    _configure_logging()
    asyncio.run(_until_signalled(lambda stop: _serve_api(host, port, stop)))


async def _until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `main`, telling it to stop on SIGINT or SIGTERM (Ctrl-C, `docker stop`)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await main(stop)


async def _cancel_on(stop: asyncio.Event, main: Awaitable[None]) -> None:
    """Run `main` until `stop` is set, then cancel it (a worker shuts down gracefully)."""
    task = asyncio.ensure_future(main)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _serve_api(host: str, port: int, stop: asyncio.Event) -> None:
    import uvicorn

    from api.app import create_app
    from nurture.db import Database
    from nurture.devstack import ApiServer
    from nurture.settings import get_settings
    from nurture.temporal_client import connect_temporal

    settings = get_settings()
    db = Database.from_url(settings.database_url)
    try:
        await db.upgrade()
        temporal = await connect_temporal(settings)
        app_ = create_app(settings=settings, db=db, temporal=temporal)
        # log_config=None: uvicorn's own loggers go through ours (JSON lines if configured).
        server = ApiServer(uvicorn.Config(app_, host=host, port=port, log_config=None))
        serving = asyncio.create_task(server.serve())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        server.should_exit = True
        await serving
    finally:
        await db.dispose()


@app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help="CSV with id,email[,first_name,company,...].")],
    journey: Annotated[str, typer.Option(help="The journey to enroll the prospects in.")],
    api_url: Annotated[str, typer.Option(help="Base URL of the API.")] = "http://localhost:8000",
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Prospects per request.")] = 500,
) -> None:
    """Enroll every prospect of a CSV file, with a progress bar; bad rows name their line."""
    from nurture.importer import ImportAborted, read_rows

    try:
        rows, row_errors = read_rows(file)
        report = asyncio.run(_import(rows, journey, api_url, batch_size))
    except ImportAborted as error:
        errors.print(f"[red]nurture import:[/] {error}")
        raise typer.Exit(1) from error
    all_errors = sorted([*row_errors, *report.errors], key=lambda error: error.line)
    for row_error in all_errors:
        errors.print(str(row_error), markup=False, soft_wrap=True)
    console.print(
        f"enrolled: {report.enrolled}  conflicts: {report.conflicts}  errors: {len(all_errors)}"
    )
    if all_errors:
        raise typer.Exit(1)


async def _import(rows: list[Row], journey: str, api_url: str, batch_size: int) -> ImportReport:
    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from nurture.cli_keys import api_headers
    from nurture.importer import import_rows

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    async with httpx.AsyncClient(base_url=api_url, headers=api_headers()) as client:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"Enrolling in {journey}", total=len(rows))
            return await import_rows(
                rows,
                journey_id=journey,
                client=client,
                batch_size=batch_size,
                on_batch=lambda done: progress.advance(task, done),
            )


def _register_feature_commands() -> None:
    from nurture import cli_db, cli_history, cli_keys, cli_migrate, cli_policy, cli_simulate

    for module in (cli_simulate, cli_policy, cli_migrate, cli_history, cli_db, cli_keys):
        module.register(app)


_register_feature_commands()

if __name__ == "__main__":
    app()
