"""The simulation driver on the demo journey: pauses, policy holds, tasks and their assignees."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from definitions.loader import load_file
from definitions.model import JourneyDefinition
from definitions.policy import SendingPolicy
from simulation import runner
from simulation.path import ProspectPath, SimulationResult
from simulation.report import as_json, as_text
from simulation.runner import SimulationFailed, simulate
from simulation.scenario import read_scenario

DEMO = Path(__file__).resolve().parents[2] / "definitions" / "b2b_funnel.yaml"
MARTA = "marta.nowak@northwind.example.com"
PIOTR = "piotr.lis@northwind.example.com"


@cache
def demo() -> JourneyDefinition:
    return load_file(DEMO)


def run(text: str, policy: SendingPolicy | None = None) -> SimulationResult:
    plan = read_scenario(text, source="test.yaml", definition=demo())
    return simulate(demo(), plan, policy=policy)


def kinds_between(path: ProspectPath, first_day: int, last_day: int) -> list[str]:
    return [entry.kind for entry in path.path if first_day <= entry.day <= last_day]


VACATION = """\
start: 2026-03-02T09:00:00
until: day 30
prospects:
  - id: anna
    email: anna@baltichome.example
    first_name: Anna
    company: Baltic Home Goods
    attributes: {country: PL}
    events:
      - {at: day 5 08:30, type: out_of_office, return_date: day 19}
      - {at: day 20 11:00, type: email_replied, text: "Can we talk?"}
      - {at: day 22 15:00, type: sales_outcome, outcome: qualified, task: 1}
"""


def test_an_out_of_office_pauses_until_the_return_date_and_the_sequence_resumes() -> None:
    [anna] = run(VACATION).prospects

    paused = next(entry for entry in anna.path if entry.kind == "paused")
    resumed = next(entry for entry in anna.path if entry.kind == "resumed")
    assert (paused.day, paused.time) == (5, "08:30")
    assert paused.state is not None and paused.state.status == "paused"
    assert paused.state.paused_until == datetime(2026, 3, 21, 8, 0, tzinfo=UTC)  # 09:00 local
    assert (resumed.day, resumed.time, resumed.at) == (19, "09:00", paused.state.paused_until)
    # Nothing is sent while she is away; the sequence's next e-mail goes out on her return.
    assert "send" not in kinds_between(anna, 6, 18)
    sends = [entry for entry in anna.path if entry.kind == "send"]
    assert [(entry.day, entry.email.content_id if entry.email else None) for entry in sends] == [
        (0, "support-inbox-problems"),
        (3, "support-hidden-costs"),
        (19, "support-step-by-step"),
    ]


def test_sends_are_rendered_by_the_production_templates_without_real_links() -> None:
    [anna] = run(VACATION).prospects

    first = next(entry.email for entry in anna.path if entry.email is not None)

    assert first.to == "anna@baltichome.example"
    assert first.subject == "Baltic Home Goods's support inbox at 2,000 e-mails a month"
    assert first.text.startswith("Hi Anna,")
    assert "https://simulation.invalid/t/support-inbox-problems" in first.text


def test_a_reply_hands_off_to_the_routed_assignee_and_task_n_closes_that_task() -> None:
    [anna] = run(VACATION).prospects

    handoff = next(entry for entry in anna.path if entry.kind == "task")
    outcome = next(entry for entry in anna.path if entry.kind == "outcome")
    assert handoff.rule_id == "reply-to-sales"
    assert handoff.task is not None
    assert (handoff.task.assignee, handoff.task.queue, handoff.task.due) == (
        MARTA,
        "sales",
        "day 21 11:00",
    )
    assert (outcome.day, outcome.event_id) == (22, "anna-3")
    assert anna.final.status == "active"  # back with marketing once the hand-off is closed
    assert anna.final.lifecycle == "sql"


def test_tasks_without_a_route_go_round_robin_in_the_queue() -> None:
    # Until day 2: before the tasks' SLA escalations, which take turns of their own.
    text = """\
until: day 2
prospects:
  - id: a
    email: a@example.com
    events: [{at: day 1, type: form_submitted, form_id: ebook-download}]
  - id: b
    email: b@example.com
    events: [{at: day 1, type: form_submitted, form_id: ebook-download}]
  - id: c
    email: c@example.com
    attributes: {country: DE}
    events: [{at: day 1, type: form_submitted, form_id: ebook-download}]
"""
    result = run(text)

    first_assignees = [
        next(entry.task.assignee for entry in prospect.path if entry.task is not None)
        for prospect in result.prospects
    ]
    assert first_assignees == [MARTA, PIOTR, PIOTR]


def test_a_send_over_the_policy_cap_is_held_and_goes_out_when_the_cap_has_room() -> None:
    text = "until: day 12\nprospects: [{id: dora, email: dora@shop.example}]\n"
    cap = SendingPolicy.model_validate({"frequency_cap": {"max_emails": 2, "per": "7d"}})

    [capped] = run(text, policy=cap).prospects
    [free] = run(text).prospects

    held = next(entry for entry in capped.path if entry.kind == "send_deferred")
    assert (held.day, held.time) == (5, "09:00")
    assert "frequency cap: 2 e-mails in the last 1w (at most 2)" in held.reason
    delivered = [(entry.day, entry.email.content_id) for entry in capped.path if entry.email]
    assert delivered[-1] == (7, "support-step-by-step")  # a week after the first e-mail
    assert "send_deferred" not in [entry.kind for entry in free.path]
    assert [(entry.day, entry.email.content_id) for entry in free.path if entry.email][-1] == (
        5,
        "support-step-by-step",
    )


def test_the_scenario_policy_applies_unless_one_is_given() -> None:
    text = (
        "until: day 12\npolicy: {frequency_cap: {max_emails: 1, per: 30d, when_capped: drop}}\n"
        "prospects: [{id: dora, email: dora@shop.example}]\n"
    )

    [own] = run(text).prospects
    [overridden] = run(text, policy=SendingPolicy()).prospects

    assert [entry.kind for entry in own.path].count("send_skipped") == 2
    assert "send_skipped" not in [entry.kind for entry in overridden.path]


def test_the_state_is_shown_after_each_wake_up_that_changed_it() -> None:
    text = """\
prospects:
  - id: ola
    email: ola@example.com
    events: [{at: day 1, type: content_consumed, content_id: pricing-plans}]
"""
    [ola] = run(text).prospects

    changes = [(entry.day, entry.state) for entry in ola.path if entry.state is not None]
    assert [(day, state.stage, state.score, state.temperature) for day, state in changes] == [
        (0, "acquisition", 0, "cold"),
        (1, "offer", 200, "warm"),
    ]
    moved = next(entry for entry in ola.path if entry.kind == "stage_moved")
    assert (moved.stage, moved.rule_id) == ("offer", "skip-to-offer")


def test_events_after_the_journey_ended_are_listed_as_not_applied() -> None:
    text = """\
prospects:
  - id: ola
    email: ola@example.com
    events:
      - {at: day 1, type: unsubscribed}
      - {at: day 2, type: email_replied}
"""
    [ola] = run(text).prospects

    assert ola.final.status == "unsubscribed"
    assert ola.path[-1].kind == "completed"
    assert ola.next is None
    assert ola.not_applied == ["day 2 09:00 email_replied (ola-2): the journey had ended"]


def test_an_outcome_for_a_task_that_does_not_exist_yet_names_the_event() -> None:
    text = """\
prospects:
  - id: ola
    email: ola@example.com
    events: [{at: day 1, type: sales_outcome, outcome: won, task: 1}]
"""
    with pytest.raises(SimulationFailed) as failed:
        run(text)

    assert failed.value.path == "prospects[0].events[0].task"
    assert "no task exists" in failed.value.message


def test_a_journey_that_never_stops_waking_up_is_stopped_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "MAX_WAKE_UPS", 3)

    with pytest.raises(SimulationFailed, match="woke up more than 3 times"):
        run("until: day 30\nprospects: [{id: ola, email: ola@example.com}]\n")


def test_the_json_document_carries_the_path_and_the_end_state() -> None:
    result = run(VACATION)

    document = json.loads(as_json(result))

    assert set(document) == {
        "journey_id",
        "journey_name",
        "version",
        "timezone",
        "start",
        "until",
        "until_day",
        "prospects",
    }
    [anna] = document["prospects"]
    assert anna["final"]["status"] == "active"
    enrolled = anna["path"][0]
    assert (enrolled["day"], enrolled["time"], enrolled["kind"]) == (0, "09:00", "enrolled")
    assert enrolled["at"] == "2026-03-02T08:00:00Z"
    assert SimulationResult.model_validate(document) == result


def test_the_text_report_indents_the_email_under_its_send_line() -> None:
    lines = as_text(run(VACATION)).splitlines()

    send = next(index for index, line in enumerate(lines) if " send " in line)
    assert lines[send].startswith("  day 0  09:00  send ")
    assert lines[send + 1].strip() == "To: anna@baltichome.example"
    assert lines[send + 2].strip().startswith("Subject: Baltic Home Goods's support inbox")
    assert lines[send + 3].strip() == "| Hi Anna,"
    assert "  end: stage acquisition, score 0, hot, sql, active" in lines
