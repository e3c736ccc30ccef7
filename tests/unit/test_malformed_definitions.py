"""Malformed journey definitions: each is refused with an error naming what is wrong, in bounded
time, by the loader (`nurture validate`) and by `POST /journeys` (4xx, never a 500).

The corpus is written as edits of the small test journey, so each case is one defect in an
otherwise valid file.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from jinja2 import TemplateError

from api.app import create_app
from definitions.errors import DefinitionError, DefinitionInvalid
from definitions.loader import MAX_VALUES, parse_definition
from definitions.model import EmailTemplate, JourneyDefinition
from definitions.templates import render_email
from nurture.db import Database
from nurture.settings import Settings
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal

VALID = (Path(__file__).parent.parent / "data" / "small_journey.yaml").read_text(encoding="utf-8")
# Anything that takes longer is a way to hold the API (the brief's bound for alias bombs).
QUICKLY_SECONDS = 1.0


def _edited(change: str, to: str) -> str:
    assert change in VALID, change
    return VALID.replace(change, to, 1)


def _laughs(levels: int) -> str:
    """The billion laughs: each level nine aliases of the one before, 9**levels values."""
    lines = ["lol0: &lol0 [ha, ha, ha, ha, ha, ha, ha, ha, ha]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    return VALID + "laughs:\n" + "".join(f"  {line}\n" for line in lines)


@dataclass(frozen=True)
class Malformed:
    name: str
    text: str
    path: str  # of the error that must be among those reported ("" is the document)
    says: str  # part of its message


CORPUS = [
    Malformed("a list", "- journey: small\n- name: Small\n", "", "a journey is a mapping"),
    Malformed("a number", "42\n", "", "a journey is a mapping"),
    Malformed("only a comment", "# nothing here\n", "", "a journey is a mapping"),
    Malformed("binary garbage", bytes(range(256)).decode("latin-1"), "", "not valid YAML"),
    Malformed("a NUL byte", VALID + "\x00", "", "not valid YAML"),
    Malformed("two documents", VALID + "---\n" + VALID, "", "not valid YAML"),
    Malformed("a python tag", "journey: !!python/object/apply:os.system [id]\n", "", "YAML"),
    Malformed("unbalanced", VALID + "extra: [1, 2\n", "", "not valid YAML"),
    Malformed("flow nested 5000 deep", "a: " + "[" * 5000 + "]" * 5000, "", "nested too deeply"),
    Malformed("blocks nested deeply", "- " * 3000 + "x\n", "", "nested too deeply"),
    Malformed("billion laughs", _laughs(9), "", f"more than {MAX_VALUES:,} values"),
    Malformed("an alias into itself", VALID + "loop: &loop [*loop]\n", "", "refers to a value"),
    Malformed(
        "120,000 values without an alias",
        VALID + "points: [" + ", ".join(["1"] * 120_000) + "]\n",
        "",
        f"more than {MAX_VALUES:,} values",
    ),
    Malformed(
        "a second rules key",
        VALID + "rules: []\n",
        "rules",
        "is given twice; YAML would keep only the last",
    ),
    Malformed(
        "an unknown stage in a rule",
        _edited("do: [{move_to: b}]", "do: [{move_to: nowhere}]"),
        "rules[0].do[0].move_to",
        "unknown stage 'nowhere'",
    ),
    Malformed(
        "an unknown stage in a condition",
        _edited("if: {stage_in: [a]}", "if: {stage_in: [zz]}"),
        "rules[0].if.stage_in[0]",
        "unknown stage 'zz'",
    ),
    Malformed(
        "a cycle of immediate moves",
        _edited(
            "    steps: [{send: b1}, {wait: 2d}]", "    steps: [{send: b1}]\n    then: {rule: to-a}"
        ).replace(
            "      - send: a1\n      - wait_for: {event: content_consumed, content: a1, "
            "timeout: 3d, on_event: end}\n      - send: a2\n      - wait: 4d\n",
            "      - send: a1\n",
        )
        + "  - id: to-a\n    when: {event: form_submitted, form: back}\n    do: [{move_to: a}]\n",
        "sequences.a",
        "a cycle of immediate moves with no wait",
    ),
    Malformed(
        "a step that is a number",
        _edited("    steps: [{send: b1}, {wait: 2d}]", "    steps: [1, {wait: 2d}]"),
        "sequences.b.steps[0]",
        "",
    ),
    Malformed(
        "an action that is a string",
        _edited("do: [{move_to: b}]", "do: [move_to]"),
        "rules[0].do[0]",
        "",
    ),
    Malformed(
        "a wait longer than a datetime reaches",
        _edited("      - wait: 4d", "      - wait: 99999999999999999999d"),
        "sequences.a.steps[3].wait",
        "between 0 and 100 years",
    ),
    Malformed(
        "a negative wait",
        _edited("      - wait: 4d", "      - wait: -5"),
        "sequences.a.steps[3].wait",
        "between 0 and 100 years",
    ),
    Malformed(
        "a time zone name too long for a file",
        _edited("timezone: Europe/Warsaw", "timezone: " + "x" * 5000),
        "defaults.timezone",
        "unknown time zone",
    ),
    Malformed(
        "a template dividing by zero",
        _edited('subject: "A1"', 'subject: "{{ 1 / 0 }}"'),
        "content[0].email",
        "ZeroDivisionError",
    ),
    Malformed(
        "a template looping past the sandbox's range",
        _edited('subject: "A1"', 'subject: "{% for i in range(10**9) %}x{% endfor %}"'),
        "content[0].email",
        "template",
    ),
    Malformed(
        "points beyond what a score can add up to",
        _edited("do: [{add_points: 1000}]", "do: [{add_points: 100000000000000000000}]"),
        "rules[3].do[0].add_points",
        "less than or equal to 1000000",
    ),
    Malformed(
        "a band beyond what a score can add up to",
        _edited("{id: c, points: [100, 1000]}", "{id: c, points: [100, 10000000000]}"),
        "stages[2].points[1]",
        "less than or equal to 1000000",
    ),
    Malformed(
        "a version beyond the database's integer",
        VALID + f"version: {2**40}\n",
        "version",
        "less than or equal to",
    ),
]


def _refused(text: str, media_type: str = "yaml") -> tuple[list[DefinitionError], float]:
    started = time.monotonic()
    with pytest.raises(DefinitionInvalid) as refused:
        parse_definition(text, source="journey.yaml", media_type=media_type)  # type: ignore[arg-type]
    return refused.value.errors, time.monotonic() - started


def _named(errors: list[DefinitionError], path: str, says: str) -> bool:
    return any(error.path == path and says in error.message for error in errors)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_the_loader_refuses_it_naming_the_field(case: Malformed) -> None:
    errors, _ = _refused(case.text)

    assert _named(errors, case.path, case.says), [str(error) for error in errors]


def test_an_empty_file_is_not_a_journey() -> None:
    errors, _ = _refused("")

    assert _named(errors, "", "a journey is a mapping")


@pytest.mark.parametrize("levels", [6, 9, 30])
def test_an_alias_bomb_is_refused_within_a_second(levels: int) -> None:
    errors, took = _refused(_laughs(levels))

    assert took < QUICKLY_SECONDS
    assert [error.message for error in errors] == [
        f"the document expands to more than {MAX_VALUES:,} values (aliases repeat what they "
        "refer to); write the journey out without nested aliases"
    ]


def test_an_alias_used_as_meant_still_works() -> None:
    # A shared e-mail subject, written once: aliases are YAML, only their bombs are refused.
    text = _edited('subject: "A1"', 'subject: &same "Hello"').replace(
        'subject: "A2"', "subject: *same"
    )

    definition = parse_definition(text)

    assert definition.content[1].email.subject == "Hello"


def test_deep_json_is_refused_not_a_recursion_error() -> None:
    errors, _ = _refused("[" * 100_000 + "]" * 100_000, media_type="json")

    assert _named(errors, "", "nested too deeply")


def _document() -> dict[str, Any]:
    return dict(yaml.safe_load(VALID))


# Both wrong for every top-level field: a list of lists is no string, number, mapping or list
# of mappings; a mapping with an unknown key is no string, number or list, and models forbid it.
WRONG_VALUES = [[[1, 2]], {"not-a-field": True}]


@pytest.mark.parametrize("field", list(JourneyDefinition.model_fields))
@pytest.mark.parametrize("wrong", WRONG_VALUES, ids=["list-of-lists", "unknown-key"])
def test_a_wrong_type_in_any_top_level_field_names_the_field(field: str, wrong: Any) -> None:
    document = {**_document(), field: wrong}

    errors, _ = _refused(json.dumps(document), media_type="json")

    assert any(
        error.path == field or error.path.startswith((f"{field}.", f"{field}[")) for error in errors
    ), [str(error) for error in errors]


# --- the same corpus through the API --------------------------------------------------------


@pytest_asyncio.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=settings, db=database, temporal=no_temporal())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=admin_headers(settings),
    ) as client:
        yield client


async def _publish(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(
        "/journeys", content=body, headers={"content-type": "application/yaml"}
    )


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
async def test_publishing_it_is_422_naming_the_field(
    client: httpx.AsyncClient, case: Malformed
) -> None:
    response = await _publish(client, case.text.encode("utf-8"))

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(error["path"] == case.path and case.says in error["message"] for error in errors)


async def test_publishing_nothing_is_422(client: httpx.AsyncClient) -> None:
    response = await _publish(client, b" \n")

    assert response.status_code == 422
    assert "the body is empty" in response.json()["errors"][0]["message"]


async def test_publishing_bytes_that_are_not_text_is_422(client: httpx.AsyncClient) -> None:
    response = await _publish(client, bytes(range(256)))

    assert response.status_code == 422
    assert "not UTF-8 text" in response.json()["errors"][0]["message"]


async def test_publishing_a_file_over_the_size_limit_is_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    huge = VALID + "# " + "x" * settings.max_request_bytes + "\n"

    response = await _publish(client, huge.encode())

    assert response.status_code == 413


async def test_nothing_refused_was_published(client: httpx.AsyncClient) -> None:
    for case in CORPUS[:5]:
        await _publish(client, case.text.encode("utf-8"))

    response = await client.get("/journeys")

    assert response.json() == []


# --- what passes validation but could still fail a send -------------------------------------


@pytest.mark.parametrize(
    "body",
    ["{{ 100 / prospect.attributes.seats }}", "{{ prospect.attributes.seats + 'x' }}"],
    ids=["division by a prospect's zero", "adding text to a prospect's number"],
)
def test_a_template_failing_for_one_prospect_is_a_template_error(body: str) -> None:
    # Valid for the sample prospect, broken for one with seats = 0: the send activity treats a
    # TemplateError as permanent; any other exception would be retried for ever.
    template = EmailTemplate(subject="Hi", body=body)

    with pytest.raises(TemplateError, match="the template failed"):
        render_email(template, {"prospect": {"attributes": {"seats": 0}}})
