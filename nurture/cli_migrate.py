"""`nurture migrate`: move running prospects to a newer journey version through the API.

A dry run unless `--apply` is given: it prints who would move where, what is kept and dropped,
and every problem, so the operator sees the whole migration before anything changes.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from api.migrating import MigrationOut

console = Console()
errors = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("migrate")(migrate)


def migrate(
    journey: Annotated[str, typer.Argument(help="The journey whose prospects move.")],
    to: Annotated[int, typer.Option("--to", min=1, help="The version to move them to.")],
    stage_map: Annotated[
        list[str] | None,
        typer.Option("--map", help="A renamed stage, OLD=NEW (repeat for more)."),
    ] = None,
    prospects: Annotated[
        list[str] | None, typer.Option("--prospect", help="Only this prospect (repeatable).")
    ] = None,
    stages: Annotated[
        list[str] | None, typer.Option("--stage", help="Only prospects in this stage (repeatable).")
    ] = None,
    from_versions: Annotated[
        list[int] | None,
        typer.Option("--from", help="Only prospects on this version (repeatable)."),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Move them; without it, only show what would happen.")
    ] = False,
    api_url: Annotated[str, typer.Option(help="Base URL of the API.")] = "http://localhost:8000",
) -> None:
    """Show (or with --apply, carry out) a migration: prospect, from -> to stage, kept, dropped."""
    body = migration_body(
        to_version=to,
        pairs=stage_map or [],
        prospect_ids=prospects,
        stages=stages,
        from_versions=from_versions,
        apply=apply,
    )
    try:
        response = asyncio.run(_post(api_url, journey, body))
    except httpx.HTTPError as error:
        errors.print(
            f"[red]nurture migrate:[/] cannot reach the API at {escape(api_url)}: "
            f"{escape(str(error))}"
        )
        raise typer.Exit(1) from error
    if response.status_code not in (200, 202):
        errors.print(f"[red]nurture migrate:[/] {escape(describe_refusal(response))}")
        raise typer.Exit(1)
    from api.migrating import MigrationOut

    answer = MigrationOut.model_validate(response.json())
    print_migration(answer, console)
    if answer.totals.failed:
        raise typer.Exit(1)


def parse_stage_map(pairs: list[str]) -> dict[str, str]:
    """`old=new` pairs into a map; a malformed or repeated one is the operator's typo."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = (part.strip() for part in pair.partition("="))
        if not (sep and old and new):
            raise typer.BadParameter(f"{pair!r} is not OLD=NEW", param_hint="--map")
        if old in mapping and mapping[old] != new:
            raise typer.BadParameter(f"stage {old!r} is mapped twice", param_hint="--map")
        mapping[old] = new
    return mapping


def migration_body(
    *,
    to_version: int,
    pairs: list[str],
    prospect_ids: list[str] | None,
    stages: list[str] | None,
    from_versions: list[int] | None,
    apply: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "to_version": to_version,
        "stage_map": parse_stage_map(pairs),
        "dry_run": not apply,
    }
    selection = {"prospect_ids": prospect_ids, "stages": stages, "from_versions": from_versions}
    body.update({key: value for key, value in selection.items() if value})
    return body


async def post_migration(
    client: httpx.AsyncClient, journey: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"/journeys/{journey}/migrations", json=body, timeout=120)


async def _post(api_url: str, journey: str, body: dict[str, Any]) -> httpx.Response:
    from nurture.cli_keys import api_headers

    async with httpx.AsyncClient(base_url=api_url, headers=api_headers()) as client:
        return await post_migration(client, journey, body)


def describe_refusal(response: httpx.Response) -> str:
    """The API's reason in one line: a 404's sentence, or each invalid field with its message."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        return f"HTTP {response.status_code}: {response.text}"
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', [])[1:])}: {item.get('msg')}"
            for item in detail
        )
    return f"HTTP {response.status_code}: {detail}"


def print_migration(answer: MigrationOut, out: Console) -> None:
    mode = "dry run: nothing changed" if answer.dry_run else "applied"
    table = Table(title=f"{answer.journey_id} -> v{answer.to_version} ({mode})")
    for column in ("prospect", "version", "stage", "kept", "dropped", "problems"):
        table.add_column(column, overflow="fold")
    if not answer.dry_run:
        table.add_column("signalled")
    for item in answer.prospects:
        stage = (
            item.from_stage
            if item.from_stage == item.to_stage
            else f"{item.from_stage} -> {item.to_stage}"
        )
        row = [
            item.prospect_id,
            f"v{item.from_version} -> v{item.to_version}",
            stage,
            "\n".join(item.kept),
            "\n".join(item.dropped),
            "\n".join(item.problems),
        ]
        if not answer.dry_run:
            row.append("yes" if item.signalled else (item.error or "no"))
        table.add_row(*(escape(cell) for cell in row))  # ids and reasons are not markup
    out.print(table)
    totals = answer.totals
    line = (
        f"selected: {totals.selected}  would move: {totals.would_move}  "
        f"with problems: {totals.problems}"
    )
    if not answer.dry_run:
        line += f"  signalled: {totals.signalled}  failed: {totals.failed}"
    out.print(line)
    if answer.not_selected:
        out.print(f"not running on an older version: {', '.join(answer.not_selected)}")
