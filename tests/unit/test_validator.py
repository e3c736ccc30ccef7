"""Definition validation: every problem named with its file, path, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from definitions.errors import DefinitionError, DefinitionInvalid
from definitions.loader import load_file, parse_definition

DATA = Path(__file__).parent.parent / "data"
VALID = (DATA / "small_journey.yaml").read_text(encoding="utf-8")


def errors_of(text: str, media_type: str = "yaml") -> list[DefinitionError]:
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(text, source="journey.yaml", media_type=media_type)  # type: ignore[arg-type]
    return caught.value.errors


def edited(change: str, to: str) -> str:
    assert change in VALID, change
    return VALID.replace(change, to, 1)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_small_test_journey_is_valid() -> None:
    assert parse_definition(VALID).journey == "small"


def test_unknown_stage_in_a_rule_names_path_line_and_the_known_stages() -> None:
    text = edited("do: [{move_to: b}]", "do: [{move_to: bee}]")
    [error] = errors_of(text)
    assert error.path == "rules[0].do[0].move_to"
    assert error.line == line_of(text, "move_to: bee")
    assert error.file == "journey.yaml"
    assert "unknown stage 'bee' (known: a, b, c)" in error.message
    assert str(error).startswith(f"journey.yaml:{error.line}: rules[0].do[0].move_to: ")


def test_content_points_outside_the_stage_band() -> None:
    text = edited("title: A1, points: 5", "title: A1, points: 50")
    [error] = errors_of(text)
    assert error.path == "content[0].points"
    assert "50 points is outside stage 'a''s band [1, 10]" in error.message


def test_sequence_referencing_unknown_content() -> None:
    text = edited("      - send: a2\n", "      - send: a3\n")
    [error] = errors_of(text)
    assert error.path == "sequences.a.steps[2].send"
    assert error.line == line_of(text, "send: a3")
    assert "unknown content 'a3'" in error.message


def test_template_that_does_not_compile() -> None:
    text = edited('subject: "A1"', 'subject: "{% if %}A1"')
    [error] = errors_of(text)
    assert error.path == "content[0].email.subject"
    assert "template does not compile" in error.message


def test_template_with_a_misspelt_variable_fails_at_validation() -> None:
    text = edited('subject: "A1"', 'subject: "{{ prospect.frist_name }}"')
    [error] = errors_of(text)
    assert error.path == "content[0].email"
    assert "frist_name" in error.message


def test_template_that_loops_without_end_is_refused_at_validation() -> None:
    loops = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    text = edited('subject: "A1"', f'subject: "{loops}A1"')
    [error] = errors_of(text)
    assert error.path == "content[0].email"
    assert "took longer than 0.5 s to render" in error.message


def test_cycle_of_immediate_moves_with_no_wait() -> None:
    text = edited(
        "    steps: [{send: b1}, {wait: 2d}]", "    steps: [{send: b1}]\n    then: {rule: to-a}"
    )
    text += "  - id: to-a\n    when: {event: form_submitted, form: back}\n    do: [{move_to: a}]\n"
    text = text.replace(
        "      - send: a1\n      - wait_for: {event: content_consumed, content: a1, timeout: 3d, "
        "on_event: end}\n      - send: a2\n      - wait: 4d\n",
        "      - send: a1\n",
    )
    messages = [error.message for error in errors_of(text)]
    assert "a cycle of immediate moves with no wait: a -> b -> a" in messages


def test_duplicate_ids_are_each_reported() -> None:
    text = edited("{id: a2, stage: a", "{id: a1, stage: a")
    found = [(e.path, e.message) for e in errors_of(text)]
    assert ("content[0].id", "duplicate id 'a1'") in found
    assert ("content[1].id", "duplicate id 'a1'") in found


def test_a_typo_in_a_key_is_an_error_not_ignored() -> None:
    text = edited(
        "{id: a1, stage: a, title: A1, points: 5", "{id: a1, stage: a, title: A1, pionts: 5"
    )
    paths = {e.path: e.message for e in errors_of(text)}
    assert paths["content[0].pionts"] == "is not a known key here (a typo?)"
    assert paths["content[0].points"] == "is required"


def test_a_bad_duration_explains_the_format() -> None:
    [error] = errors_of(edited("timeout: 3d", "timeout: 3 days"))
    assert error.path == "sequences.a.steps[1].wait_for.timeout"
    assert "write a number with a unit" in error.message


def test_errors_inside_union_members_point_at_the_right_key() -> None:
    text = edited("{handoff: {title: Call them", "{handoff: {titel: Call them")
    text = text.replace(
        "    steps: [{send: b1}, {wait: 2d}]", "    steps: [{send: b1}, {wait: 2d}]\n    then: lop"
    )
    paths = {e.path for e in errors_of(text)}
    assert "rules[4].do[1].handoff.titel" in paths
    assert "rules[4].do[1].handoff.title" in paths
    assert "sequences.b.then" in paths


def test_a_journey_must_handle_replies() -> None:
    text = edited("    when: {event: email_replied}", "    when: {event: channel_contact}")
    [error] = errors_of(text)
    assert error.path == "rules" and "email_replied" in error.message


def test_trigger_needs_exactly_one_kind_and_fitting_narrowers() -> None:
    text = edited("when: {score_at_least: 10}", "when: {score_at_least: 10, inactive_for: 2d}")
    text = text.replace(
        "when: {event: form_submitted, form: ebook}", "when: {event: email_replied, form: ebook}"
    )
    text = text.replace(
        "    when: {event: email_replied}\n", "    when: {event: email_replied}\n", 1
    )
    messages = {e.path: e.message for e in errors_of(text)}
    assert "exactly one of" in messages["rules[0].when"]
    assert messages["rules[3].when.form"] == "`form` cannot narrow a `email_replied` event"


def test_many_problems_are_reported_at_once_in_json_too() -> None:
    document = yaml.safe_load(VALID)
    document["defaults"]["timezone"] = "Mars/Olympus"
    document["stages"][0]["points"] = [10, 1]
    document["rules"][0]["if"]["stage_in"] = ["zz"]
    errors = errors_of(json.dumps(document), media_type="json")
    assert {e.path for e in errors} == {"stages[0].points"}  # schema errors come first
    document["stages"][0]["points"] = [1, 10]
    errors = errors_of(json.dumps(document), media_type="json")
    assert {e.path for e in errors} == {"defaults.timezone", "rules[0].if.stage_in[0]"}
    assert all(e.line is None for e in errors)


def test_not_yaml_at_all() -> None:
    [error] = errors_of("journey: [unclosed\nname: x\n")
    assert error.line is not None and "not valid YAML" in error.message


def test_load_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(edited("do: [{move_to: b}]", "do: [{move_to: bee}]"), encoding="utf-8")
    with pytest.raises(DefinitionInvalid) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:")


def test_journey_controls_are_checked_with_their_paths() -> None:
    text = VALID + (
        "goals:\n"
        "  - {id: won, when: {event: stage_entered, stage: c}}\n"
        "  - {id: jump, when: {score_at_least: 50}, then: {move_to: z}}\n"
        "  - {id: nothing, when: {}}\n"
        "re_entry: {after: 30d}\n"
    )
    text = text.replace(
        "    steps: [{send: b1}, {wait: 2d}]",
        "    steps:\n"
        "      - split: {id: s, branches: [{variant: x, percent: 60, do: [{send: nope}]},"
        " {variant: x, percent: 30}]}\n"
        "      - {wait: 2d}",
    )
    messages = {e.path: e.message for e in errors_of(text)}
    assert "use `stage:` alone" in messages["goals[0].when.event"]
    assert messages["goals[1].then.move_to"].startswith("unknown stage 'z'")
    assert "a goal needs an `event`" in messages["goals[2].when"]
    assert messages["re_entry.after"] == "`after` has no effect unless `allowed: true` is set too"
    split = "sequences.b.steps[0].split"
    assert messages[f"{split}.branches"] in {
        "the branches' percentages add up to 90, not 100",
        "variant 'x' appears more than once",
    }
    assert messages[f"{split}.branches[0].do[0].send"].startswith("unknown content 'nope'")


def test_a_send_window_must_open_before_it_closes() -> None:
    text = VALID + "sending: {window: {start: '18:00', end: '09:00'}}\n"
    [error] = errors_of(text)
    assert error.path == "sending.window"
    assert "must be after start 18:00" in error.message
