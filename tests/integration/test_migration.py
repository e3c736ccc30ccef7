"""Deliberate migration end to end: running prospects move to v2 only when an operator says so.

Real Temporal dev server with per-workflow virtual time, real SQLite, real SMTP sink. v2 renames
the first stage (intro -> welcome) and replaces its e-mails; prospects in the middle of a pause,
of a hand-off and of a sequence are moved and carry on in v2 without losing any of it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from rich.console import Console
from sqlmodel import select
from typer.testing import CliRunner

from api.migrating import MigrationOut
from nurture.cli import app
from nurture.cli_migrate import describe_refusal, migration_body, post_migration, print_migration
from nurture.tables import Enrollment
from tests.integration.api_driver import Api, eventually
from workflows.contract import STATE_QUERY, JourneyView

DAY = timedelta(days=1)

_HEAD = """
journey: {journey_id}
name: Migration test
sender:
  from: "Test Sender <sender@example.com>"
rules:
  - id: reply
    when: {event: email_replied}
    do:
      - handoff: {title: Answer the reply, sla: 2d}
  - id: demo
    when: {event: form_submitted, form: demo}
    do:
      - move_to: offer
"""


def _content(item: str, stage: str, points: int, subject: str) -> str:
    return (
        f"  - {{id: {item}, stage: {stage}, title: {item}, points: {points}, "
        f'link: "https://example.com/{item}", email: {{subject: "{subject}", '
        f"body: '<p><a href=\"{{{{ link }}}}\">{item}</a></p>'}}}}\n"
    )


V1 = (
    _HEAD
    + """
stages:
  - {id: intro, points: [1, 10]}
  - {id: offer, points: [10, 100]}
content:
"""
    + _content("hello", "intro", 5, "Hello from v1")
    + _content("nudge", "intro", 5, "Nudge from v1")
    + _content("pricing", "offer", 50, "Pricing")
    + """
sequences:
  intro:
    steps: [{send: hello}, {wait: 3d}, {send: nudge}, {wait: 30d}]
  offer:
    steps: [{send: pricing}, {wait: 10d}]
"""
)
V2 = (
    _HEAD
    + """
stages:
  - {id: welcome, points: [1, 10]}
  - {id: offer, points: [10, 100]}
content:
"""
    + _content("hello-v2", "welcome", 5, "Welcome from v2")
    + _content("pricing", "offer", 50, "Pricing")
    + """
sequences:
  welcome:
    steps: [{send: hello-v2}, {wait: 30d}]
  offer:
    steps: [{send: pricing}, {wait: 10d}]
"""
)
PROSPECTS = ("ida", "kai", "max", "ola")


async def post_event(api: Api, event_id: str, prospect_id: str, kind: str, **data: Any) -> None:
    body = {"id": event_id, "prospect_id": prospect_id, "type": kind, "data": data}
    response = await api.http.post("/events", json=body)
    assert response.status_code == 202, response.text


async def view(api: Api, prospect_id: str) -> JourneyView:
    answer: JourneyView = await api.workflow(prospect_id).query(
        STATE_QUERY, result_type=JourneyView
    )
    return answer


MID_JOURNEY = {
    "kai": ("offer", "active"),
    "max": ("intro", "handed_off"),
    "ola": ("intro", "paused"),
}


async def projected(
    api: Api, version: int, *, settled: dict[str, tuple[str, str]] | None = None
) -> list[Enrollment] | None:
    """Every prospect's projection row, once all of them show `version` (and, for those in
    `settled`, that stage and status)."""
    async with api.db.session() as session:
        rows = list(
            await session.exec(select(Enrollment).where(Enrollment.journey_id == api.journey_id))
        )
    ready = len(rows) == len(PROSPECTS) and all(
        row.version == version and row.state.get("version") == version for row in rows
    )
    shown = {row.prospect_id: (row.stage, row.status) for row in rows}
    if settled is not None and any(shown.get(who) != what for who, what in settled.items()):
        return None
    return rows if ready else None


async def four_prospects_mid_journey(api: Api) -> None:
    """ida in intro, kai moved on to offer, max handed off, ola away for ten days."""
    await api.publish(V1)
    for prospect_id in PROSPECTS:
        assert (await api.enroll(prospect_id)).status_code == 201
    back_on = (await api.virtual_now("ola")).date() + 10 * DAY
    await post_event(api, "ola-ooo", "ola", "out_of_office", return_date=back_on.isoformat())
    await post_event(api, "max-reply", "max", "email_replied", text="Call me, please")
    await post_event(api, "kai-demo", "kai", "form_submitted", form_id="demo")
    await eventually(lambda: api.state_if("ola", lambda state: state["status"] == "paused"))
    await eventually(lambda: api.state_if("max", lambda state: state["status"] == "handed_off"))
    await eventually(lambda: api.state_if("kai", lambda state: state["stage"] == "offer"))
    # The plan reads the projection, which trails the journeys' own state by an activity.
    await eventually(lambda: projected(api, 1, settled=MID_JOURNEY))
    await api.publish(V2)


async def migrate(api: Api, **body: Any) -> dict[str, Any]:
    response = await api.http.post(f"/journeys/{api.journey_id}/migrations", json=body)
    assert response.status_code == (200 if body.get("dry_run", True) else 202), response.text
    return dict(response.json())


async def test_a_migration_moves_prospects_mid_journey_keeping_pauses_and_tasks(api: Api) -> None:
    await four_prospects_mid_journey(api)
    before = {prospect_id: (await view(api, prospect_id)).state for prospect_id in PROSPECTS}
    rename = {"intro": "welcome"}

    dry = await migrate(api, to_version=2, stage_map=rename)

    moves = {
        item["prospect_id"]: (item["from_stage"], item["to_stage"], item["sequence"])
        for item in dry["prospects"]
    }
    assert moves == {
        "ida": ("intro", "welcome", "restart"),
        "kai": ("offer", "offer", "keep"),
        "max": ("intro", "welcome", "none"),
        "ola": ("intro", "welcome", "restart"),
    }
    kept = {item["prospect_id"]: item["kept"] for item in dry["prospects"]}
    paused_until = before["ola"].paused_until
    assert paused_until is not None
    assert kept["ola"] == [f"pause until {paused_until:%Y-%m-%d %H:%M} UTC"]
    assert kept["max"] == ["1 open task"]
    assert dry["totals"] == {
        "selected": 4,
        "would_move": 4,
        "problems": 0,
        "signalled": 0,
        "failed": 0,
    }
    # A dry run changes nobody.
    assert {(await view(api, pid)).state.version for pid in PROSPECTS} == {1}

    applied = await migrate(api, to_version=2, stage_map=rename, dry_run=False)

    assert applied["totals"]["signalled"] == 4
    await eventually(lambda: projected(api, 2))
    ola, max_ = (await view(api, "ola")).state, (await view(api, "max")).state
    assert (ola.version, ola.stage, ola.status, ola.paused_until) == (
        2,
        "welcome",
        "paused",
        paused_until,
    )
    assert (max_.version, max_.stage, max_.status) == (2, "welcome", "handed_off")
    assert max_.tasks == before["max"].tasks and max_.tasks[0].status == "open"
    open_tasks = (await api.http.get("/tasks", params={"prospect_id": "max"})).json()
    assert [task["status"] for task in open_tasks] == ["open"]
    kai = (await view(api, "kai")).state
    assert (kai.version, kai.stage, kai.cursor) == (2, "offer", before["kai"].cursor)
    [decision] = await api.decisions("ola", "migrated")
    assert decision.reason.startswith(
        f"migrated from v1 to v2 (migration {applied['prospects'][3]['migration_id']}): "
        "stage intro -> welcome, its sequence from step 1; kept: pause until"
    )

    # The same request again finds nobody left on an older version, and migrates nobody twice.
    again = await migrate(api, to_version=2, stage_map=rename, dry_run=False)
    assert again["totals"]["selected"] == 0
    assert len(await api.decisions("ola", "migrated")) == 1

    # Back from vacation, ola carries on in v2: its first e-mail, nothing of v1.
    assert api.mail_to("ola@example.com", "Welcome from v2") == []
    await api.forward("ola", 11 * DAY)
    await eventually(lambda: api.mail_to("ola@example.com", "Welcome from v2"))
    assert api.mail_to("ola@example.com", "Nudge from v1") == []
    [*_, sent] = await api.decisions("ola", "send")
    # On the day it resumed, within the timer's resolution.
    assert "'hello-v2'" in sent.reason
    assert timedelta(0) <= sent.at - paused_until < timedelta(seconds=2)
    resumed = (await view(api, "ola")).state
    assert (resumed.status, resumed.version) == ("active", 2)

    # A link in an e-mail sent under v1 still leads to its content, though v2 dropped it.
    [hello] = api.mail_to("ida@example.com", "Hello from v1")
    html = hello.message.get_body(("html",))
    assert html is not None
    token = re.search(r'href="http://testserver/t/([\w.-]+)"', html.get_content())
    assert token is not None
    clicked = await api.http.get(f"/t/{token.group(1)}")
    assert (clicked.status_code, clicked.headers["location"]) == (307, "https://example.com/hello")


async def test_a_selection_narrows_who_is_planned_and_names_who_was_not_found(api: Api) -> None:
    await four_prospects_mid_journey(api)

    by_prospect = await migrate(
        api, to_version=2, stage_map={"intro": "welcome"}, prospect_ids=["ola", "nobody"]
    )
    by_stage = await migrate(api, to_version=2, stages=["offer"])
    unmapped = await migrate(api, to_version=2, stages=["intro"])

    assert [item["prospect_id"] for item in by_prospect["prospects"]] == ["ola"]
    assert by_prospect["not_selected"] == ["nobody"]
    assert [item["prospect_id"] for item in by_stage["prospects"]] == ["kai"]
    # Without a map for intro, its prospects have nowhere to go in v2: problems, not moves.
    assert (
        unmapped["totals"] | {"selected": 3, "would_move": 0, "problems": 3} == unmapped["totals"]
    )
    assert unmapped["prospects"][0]["problems"] == ["stage 'intro' does not exist in v2"]
    refused = await migrate(api, to_version=2, stages=["intro"], dry_run=False)
    assert refused["totals"]["signalled"] == 0


async def test_an_unknown_stage_in_the_map_or_an_unknown_version_is_refused(api: Api) -> None:
    await api.publish(V1)
    await api.publish(V2)
    url = f"/journeys/{api.journey_id}/migrations"

    typo = await api.http.post(url, json={"to_version": 2, "stage_map": {"intro": "welcom"}})
    nowhere = await api.http.post(url, json={"to_version": 2, "stage_map": {"ghost": "welcome"}})
    no_version = await api.http.post(url, json={"to_version": 3})
    no_journey = await api.http.post("/journeys/nothing-here/migrations", json={"to_version": 1})

    assert typo.status_code == nowhere.status_code == 422
    [error] = typo.json()["detail"]
    assert error["loc"] == ["body", "stage_map", "intro"]
    assert error["msg"] == "stage 'welcom' does not exist in v2"
    assert nowhere.json()["detail"][0]["loc"] == ["body", "stage_map", "ghost"]
    assert no_version.status_code == no_journey.status_code == 404
    assert no_version.json()["detail"] == f"unknown version 3 of journey {api.journey_id!r}"


async def test_the_cli_prints_the_dry_run_as_a_table_with_totals(api: Api) -> None:
    await four_prospects_mid_journey(api)
    body = migration_body(
        to_version=2,
        pairs=["intro=welcome"],
        prospect_ids=["ola", "max"],
        stages=None,
        from_versions=[1],
        apply=False,
    )
    out = Console(record=True, width=200)

    response = await post_migration(api.http, api.journey_id, body)
    print_migration(MigrationOut.model_validate(response.json()), out)

    assert body == {
        "to_version": 2,
        "stage_map": {"intro": "welcome"},
        "dry_run": True,
        "prospect_ids": ["ola", "max"],
        "from_versions": [1],
    }
    lines = out.export_text().splitlines()
    assert f"{api.journey_id} -> v2 (dry run: nothing changed)" in lines[0]
    max_row = next(line for line in lines if "│ max" in line)
    assert "v1 -> v2" in max_row and "intro -> welcome" in max_row and "1 open task" in max_row
    assert any("│ ola" in line and "pause until" in line for line in lines)
    assert lines[-1] == "selected: 2  would move: 2  with problems: 0"


async def test_the_cli_names_the_field_the_api_refused(api: Api) -> None:
    await api.publish(V1)
    await api.publish(V2)
    body = migration_body(
        to_version=2,
        pairs=["intro=welcom"],
        prospect_ids=None,
        stages=None,
        from_versions=None,
        apply=True,
    )

    refused = await post_migration(api.http, api.journey_id, body)

    assert describe_refusal(refused) == "stage_map.intro: stage 'welcom' does not exist in v2"


def test_a_malformed_map_is_refused_before_anything_is_sent() -> None:
    result = CliRunner().invoke(app, ["migrate", "j", "--to", "2", "--map", "intro"])

    assert result.exit_code == 2
    assert "'intro' is not OLD=NEW" in result.output
