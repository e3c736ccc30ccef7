"""A journey's own tests: `simulate --update` records a path, `validate` checks it is followed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nurture.cli import app
from simulation.expect_file import ExpectationsNotWritable, with_expectations
from simulation.path import SimulationResult

DEMO = Path(__file__).resolve().parents[2] / "definitions" / "b2b_funnel.yaml"

SCENARIO = """\
# Ola reads the pricing page on day 1.
journey: b2b-funnel
until: day 4
prospects:
  - id: ola
    email: ola@example.com   # a comment that must survive
    events:
      - {at: day 1 10:00, type: content_consumed, content_id: pricing-plans}
"""


@pytest.fixture
def journey(tmp_path: Path) -> Path:
    """A copy of the demo journey with one scenario beside it."""
    definition = tmp_path / "funnel.yaml"
    shutil.copy(DEMO, definition)
    (tmp_path / "funnel.scenarios").mkdir()
    (tmp_path / "funnel.scenarios" / "pricing.yaml").write_text(SCENARIO)
    return definition


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.output


def test_update_records_the_path_and_validate_then_finds_it_followed(journey: Path) -> None:
    scenario = journey.parent / "funnel.scenarios" / "pricing.yaml"

    code, output = cli("simulate", journey, "--script", scenario, "--update")
    recorded = yaml.safe_load(scenario.read_text())["prospects"][0]["expect"]
    checked, report = cli("validate", journey)

    assert code == 0, output
    assert output.endswith(f"recorded the path of 1 prospect(s) in {scenario}\n")
    assert recorded[0] == "day 0 09:00 enrolled: enrolled in b2b-funnel v0 at stage acquisition"
    assert "day 1 10:00 stage_moved: moved from acquisition to offer" in "\n".join(recorded)
    # The file as written, comments included, with the path added after the last key.
    assert scenario.read_text().startswith(SCENARIO)
    assert (checked, report) == (0, f"{journey}: ok\n{scenario}: path: ok\n")


def test_validate_fails_on_the_first_line_that_differs(journey: Path) -> None:
    scenario = journey.parent / "funnel.scenarios" / "pricing.yaml"
    cli("simulate", journey, "--script", scenario, "--update")
    text = scenario.read_text()
    changed = text.replace("score 200", "score 300", 1)
    scenario.write_text(changed)
    line = next(number for number, row in enumerate(changed.splitlines(), 1) if "score 300" in row)

    code, report = cli("validate", journey)

    lines = report.splitlines()
    assert code == 1
    assert lines[1].startswith(f"{scenario}:{line}: prospect ola: path differs at expect[")
    assert lines[2].startswith("  expected: day 1 10:00 points: +200 points (score 300)")
    assert lines[3].startswith("  actual:   day 1 10:00 points: +200 points (score 200)")


def test_a_scenario_without_expect_only_has_to_run(journey: Path) -> None:
    code, report = cli("validate", journey)

    assert code == 0
    assert report.splitlines()[1].endswith(
        "path: ran, no expected path recorded (nurture simulate --update records it)"
    )


def test_an_invalid_scenario_fails_validate_naming_its_place(journey: Path) -> None:
    scenario = journey.parent / "funnel.scenarios" / "pricing.yaml"
    scenario.write_text(SCENARIO.replace("content_id: pricing-plans", "content: pricing-plans"))

    code, report = cli("validate", journey)

    assert code == 1
    assert f"{scenario}:8: prospects[0].events[0].content_id: is required" in report


def test_simulate_json_is_the_document_the_api_answers(journey: Path) -> None:
    scenario = journey.parent / "funnel.scenarios" / "pricing.yaml"

    code, output = cli("simulate", journey, "--script", scenario, "--json")

    assert code == 0
    result = SimulationResult.model_validate(json.loads(output))
    [ola] = result.prospects
    assert (ola.final.stage, ola.final.score, ola.final.temperature) == ("offer", 200, "warm")
    assert ola.expected is False


def test_simulate_reads_a_policy_file(journey: Path, tmp_path: Path) -> None:
    scenario = journey.parent / "funnel.scenarios" / "pricing.yaml"
    policy = tmp_path / "policy.yaml"
    policy.write_text("frequency_cap: {max_emails: 1, per: 30d, when_capped: drop}\n")

    code, output = cli("simulate", journey, "--script", scenario, "--policy", policy, "--json")

    kinds = [entry["kind"] for entry in json.loads(output)["prospects"][0]["path"]]
    assert code == 0
    assert "send_skipped" in kinds


def test_update_with_a_policy_file_is_refused(journey: Path, tmp_path: Path) -> None:
    scenario = journey.parent / "funnel.scenarios" / "pricing.yaml"
    (tmp_path / "policy.yaml").write_text("{}\n")

    code, output = cli(
        "simulate", journey, "--script", scenario, "--policy", tmp_path / "policy.yaml", "--update"
    )

    assert code == 1
    assert "scenario's `policy:`" in output
    assert scenario.read_text() == SCENARIO


def test_only_the_expect_blocks_are_rewritten() -> None:
    text = (
        "prospects:\n"
        "  - expect: [old]\n"
        "    id: a # stays\n"
        "  # between prospects\n"
        "  - id: b\n"
        "    events:\n"
        "      - {at: day 1, type: unsubscribed}\n"
        "# the end"
    )

    rewritten = with_expectations(text, {"a": ['day 0 09:00 x: "quoted"'], "b": []})

    assert rewritten == (
        "prospects:\n"
        "  - expect:\n"
        '      - "day 0 09:00 x: \\"quoted\\""\n'
        "    id: a # stays\n"
        "  # between prospects\n"
        "  - id: b\n"
        "    events:\n"
        "      - {at: day 1, type: unsubscribed}\n"
        "    expect: []\n"
        "# the end\n"
    )


def test_a_flow_style_prospect_cannot_take_an_expect_block() -> None:
    with pytest.raises(ExpectationsNotWritable, match="line 2: write this prospect as a block"):
        with_expectations("prospects:\n  - {id: a, email: a@example.com}\n", {"a": ["x"]})
