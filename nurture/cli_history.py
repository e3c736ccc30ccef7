"""`nurture history PROSPECT_ID`: a prospect's audit timeline in the terminal, through the API.

A table a person reads (time, journey, what, version, why), then the workflow runs it was read
from with their links into the Temporal UI; `--json` prints the API's answer as it is, for
scripts. Like the other API commands, the heavy imports wait until the command runs.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    import httpx

    from audit.timeline import ProspectTimeline, TimelineItem

DEFAULT_API_URL = "http://localhost:8000"

console = Console()
errors = Console(stderr=True)


class HistoryRequestFailed(Exception):
    """The API could not be reached or did not answer with a timeline; the message says why."""


def register(app: typer.Typer) -> None:
    """Add `nurture history` to `app`."""
    app.command("history")(history)


def history(
    prospect_id: Annotated[str, typer.Argument(help="The prospect whose timeline to show.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the API's JSON answer instead of a table.")
    ] = False,
    api_url: Annotated[str, typer.Option(help="Base URL of the API.")] = DEFAULT_API_URL,
) -> None:
    """Everything that happened to a prospect, in order: events, decisions and why, e-mails,
    tasks, runs — read from the journeys' Temporal history."""
    try:
        answer = asyncio.run(_fetch(api_url, prospect_id))
    except HistoryRequestFailed as error:
        errors.print(f"[red]nurture history:[/] {escape(str(error))}")
        raise typer.Exit(1) from error
    if as_json:
        typer.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    from audit.timeline import ProspectTimeline

    print_timeline(ProspectTimeline.model_validate(answer), console)


async def fetch_timeline(client: httpx.AsyncClient, prospect_id: str) -> dict[str, Any]:
    """The API's timeline answer as JSON; `HistoryRequestFailed` when there is none."""
    import httpx

    path = f"/prospects/{quote(prospect_id, safe='')}/timeline"
    try:
        response = await client.get(path, timeout=120)
    except httpx.HTTPError as error:
        raise HistoryRequestFailed(f"cannot reach the API at {client.base_url}: {error}") from error
    if response.status_code == 404:
        raise HistoryRequestFailed(f"unknown prospect {prospect_id!r}")
    if response.is_error:
        raise HistoryRequestFailed(f"the API answered {response.status_code}: {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


async def _fetch(api_url: str, prospect_id: str) -> dict[str, Any]:
    import httpx

    from nurture.cli_keys import api_headers

    async with httpx.AsyncClient(base_url=api_url, headers=api_headers()) as client:
        return await fetch_timeline(client, prospect_id)


def print_timeline(timeline: ProspectTimeline, out: Console) -> None:
    table = Table(title=f"Timeline of {timeline.prospect_id} (times in UTC)")
    table.add_column("time", no_wrap=True)
    table.add_column("journey", overflow="fold")
    table.add_column("what", overflow="fold")
    table.add_column("ver", justify="right")
    table.add_column("why", overflow="fold")
    for item in timeline.items:
        table.add_row(
            f"{item.at:%Y-%m-%d %H:%M:%S}",
            escape(item.journey_id),
            escape(f"{item.kind}: {item.type}"),
            f"v{item.version}" if item.version is not None else "",
            escape(_why(item)),
        )
    out.print(table)
    for run in timeline.runs:
        span = f"{run.started_at:%Y-%m-%d %H:%M} .. " + (
            f"{run.closed_at:%Y-%m-%d %H:%M}" if run.closed_at else "now"
        )
        where = run.temporal_ui_url or "no longer in Temporal"
        out.print(
            escape(f"run {run.run_id or '(unknown)'} of {run.workflow_id}: {run.status}, {span}, ")
            + escape(f"from {run.source}: {where}"),
            soft_wrap=True,
        )
    for warning in timeline.warnings:
        out.print(f"[yellow]warning:[/] {escape(warning)}")


def _why(item: TimelineItem) -> str:
    # Most reasons already name their rule ("rule 'reply': ..."); the others get it added.
    if item.rule_id and f"'{item.rule_id}'" not in item.summary:
        return f"{item.summary} (rule {item.rule_id})"
    return item.summary
