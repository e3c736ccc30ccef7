"""docker-compose.yml and the Dockerfile, checked without Docker (none runs here).

What Docker would find out at `docker compose up`, asked of the files instead: the compose-spec
schema, pinned images, start order (targets exist, health checks behind `service_healthy`,
one-shot jobs behind `service_completed_successfully`, no cycles), commands that the `nurture`
CLI really has (options included), settings the application really reads and accepts in
production, and an image that contains every package pyproject.toml installs. What it cannot
check (images run, the schema job's SQL, ports free) is listed in docs/operations.md.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy.engine import make_url
from temporalio.client import Client

from api.app import create_app
from nurture.db import Database
from nurture.settings import DEVELOPMENT_LINK_SECRET, Settings
from nurture.smtp_sink import free_port
from tests.unit.compose_helpers import (
    COMPOSE_FILE,
    DOCKERIGNORE,
    ROOT,
    CommandRejected,
    Instruction,
    MissingVariable,
    all_strings,
    command_words,
    dockerfile_instructions,
    environment_of,
    exec_form,
    image_tag,
    interpolated,
    load_compose,
    project_sources,
    references,
    resolve_cli,
)
from workflows.search_attributes import SEARCH_ATTRIBUTE_KEYS

OPERATIONS_GUIDE = ROOT / "docs" / "operations.md"
PINNED_TAG = re.compile(r"v?\d+\.\d+")  # at least major.minor, e.g. 16.4 or v1.20.4
ONE_SHOT_RESTART = {None, "no", "on-failure"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


@pytest.fixture(scope="module")
def dummy_environment(compose: dict[str, Any]) -> dict[str, str]:
    """A value for every variable compose requires, as an operator's `.env` would give."""
    required = {
        ref.name for text in all_strings(compose) for ref in references(text) if ref.required
    }
    return {name: f"dummy-{name.lower().replace('_', '-')}-0123456789abcdef" for name in required}


@pytest.fixture(scope="module")
def resolved(compose: dict[str, Any], dummy_environment: dict[str, str]) -> dict[str, Any]:
    document = interpolated(compose, dummy_environment)
    assert isinstance(document, dict)
    return document


def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services built from this project (the others run published images)."""
    return {name: service for name, service in services.items() if "build" in service}


def test_the_file_follows_the_compose_specification(resolved: dict[str, Any]) -> None:
    # The schema ships inside check-jsonschema (a dev dependency): nothing is downloaded.
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator_class(schema).iter_errors(resolved)
    ]
    assert errors == []


def test_the_schema_check_rejects_a_misspelt_key(resolved: dict[str, Any]) -> None:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))
    broken = {**resolved, "services": {**resolved["services"], "api": {"comand": ["x"]}}}

    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(broken)


# --- images and commands ------------------------------------------------------------------


def test_every_image_is_pinned_to_a_version(services: dict[str, dict[str, Any]]) -> None:
    images = {name: service["image"] for name, service in services.items() if "image" in service}
    from_images = [
        instruction.arguments.split()[0]
        for instruction in dockerfile_instructions()
        if instruction.keyword == "FROM"
    ]
    assert set(images) == set(services) - set(app_services(services))
    for image in [*images.values(), *from_images]:
        tag = image_tag(image)
        assert tag is not None, f"{image}: no tag (docker would take latest)"
        assert "latest" not in tag and PINNED_TAG.match(tag), f"{image}: not a pinned version"


def test_every_application_command_is_a_real_nurture_command(
    services: dict[str, dict[str, Any]],
) -> None:
    commands = {
        name: command_words(service["command"]) for name, service in app_services(services).items()
    }

    assert set(commands) == {"migrate", "worker", "api"}
    for name, words in commands.items():
        try:
            resolve_cli(words)
        except CommandRejected as error:
            pytest.fail(f"{name}: the container would exit at once: {error}")
    assert commands["migrate"] == ["nurture", "db", "upgrade"]


def test_command_resolution_catches_unknown_commands_and_options() -> None:
    assert resolve_cli(["nurture", "api", "--port", "8000"])["port"] == 8000
    for words in (
        ["nurture", "wroker"],
        ["nurture", "api", "--prot", "8000"],
        ["nurture", "policy"],
        ["nurture-admin", "worker"],
    ):
        with pytest.raises(CommandRejected):
            resolve_cli(words)


# --- start order --------------------------------------------------------------------------


def dependencies(service: dict[str, Any]) -> dict[str, str]:
    """Target -> condition (a plain list means `service_started`)."""
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {target: options["condition"] for target, options in depends_on.items()}


def test_every_dependency_can_be_met(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for target, condition in dependencies(service).items():
            assert target in services, f"{name} depends on a missing service {target}"
            waited_for = services[target]
            if condition == "service_healthy":
                assert "healthcheck" in waited_for, f"{name} waits for {target}'s health check"
            if condition == "service_completed_successfully":
                # A job that compose restarts forever never "completes".
                restart = waited_for.get("restart")
                assert restart in ONE_SHOT_RESTART, f"{target} is a job but restarts: {restart}"
            # A service outside every profile cannot wait for one that is not started by default.
            if not service.get("profiles"):
                assert not waited_for.get("profiles"), f"{name} depends on optional {target}"


def test_start_order_has_no_cycle(services: dict[str, dict[str, Any]]) -> None:
    def visit(name: str, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for target in dependencies(services[name]):
            if target in path:
                yield (*path, target)
            else:
                yield from visit(target, (*path, target))

    cycles = [cycle for name in services for cycle in visit(name, (name,))]
    assert cycles == []


def test_workers_and_api_start_after_the_migration_and_temporal_setup(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("worker", "api"):
        waits = dependencies(services[name])
        assert waits["migrate"] == "service_completed_successfully"
        assert waits["temporal-setup"] == "service_completed_successfully"
        assert waits["app-db"] == waits["temporal"] == "service_healthy"
    assert dependencies(services["temporal"]) == {
        "temporal-schema": "service_completed_successfully"
    }


async def test_the_api_health_check_asks_a_real_route_on_the_served_port(
    services: dict[str, dict[str, Any]],
) -> None:
    api = services["api"]
    check = " ".join(api["healthcheck"]["test"])
    url = re.search(r"http://[^/:'\"]+:(?P<port>\d+)(?P<path>/[^'\"\s]*)", check)
    assert url is not None, check
    port, path = url["port"], url["path"]
    served = resolve_cli(command_words(api["command"]))
    assert int(port) == served["port"]
    assert any(mapping.endswith(f":{port}") for mapping in api["ports"])

    # The route must exist: with nothing behind it, it may answer 503, never 404.
    db = Database.from_url("sqlite+aiosqlite://")
    nowhere = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    app = create_app(settings=Settings(_env_file=None), db=db, temporal=nowhere)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api"
        ) as client:
            response = await client.get(path)
    finally:
        await db.dispose()
    assert response.status_code in {200, 503}, (path, response.status_code)


# --- workers ------------------------------------------------------------------------------


def test_workers_can_be_scaled(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]

    assert worker["deploy"]["replicas"] >= 2
    # A fixed container name or host port would stop a second replica from starting.
    assert "container_name" not in worker
    assert "ports" not in worker


# --- settings -----------------------------------------------------------------------------


def test_every_nurture_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = {f"NURTURE_{name.upper()}" for name in Settings.model_fields}
    used = {ref.name for text in all_strings(compose) for ref in references(text)}
    for service in compose["services"].values():
        used |= set(environment_of(service))

    unknown = sorted(name for name in used if name.startswith("NURTURE_") and name not in fields)
    assert unknown == []


def _settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as the container builds them: from its environment variables only."""
    for name in [name for name in os.environ if name.startswith("NURTURE_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_application_services_run_in_production_and_pass_its_checks(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, service in app_services(resolved["services"]).items():
        environment = environment_of(service)
        assert environment["NURTURE_ENVIRONMENT"] == "production", name

        settings = _settings_from(environment, monkeypatch)

        assert settings.environment == "production"
        assert make_url(settings.database_url).host == "app-db"
        assert settings.temporal_address.split(":")[0] in resolved["services"]


def test_production_checks_see_the_compose_secret(
    compose: dict[str, Any], dummy_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the development secret in .env the services must refuse to start.
    unsafe = {**dummy_environment, "NURTURE_LINK_SECRET": DEVELOPMENT_LINK_SECRET}
    worker = environment_of(interpolated(compose, unsafe)["services"]["worker"])

    with pytest.raises(ValueError, match="NURTURE_LINK_SECRET must be set"):
        _settings_from(worker, monkeypatch)


def test_secrets_are_never_written_in_the_file(compose: dict[str, Any]) -> None:
    secret_like = re.compile(r"PASSWORD|PWD|SECRET|API_KEY")
    for name, service in compose["services"].items():
        for variable, value in environment_of(service).items():
            if secret_like.search(variable):
                assert references(value), f"{name}.{variable} is written in the file"


@pytest.mark.parametrize("secret", ["NURTURE_LINK_SECRET", "APP_DB_PASSWORD"])
def test_compose_refuses_to_start_without_each_secret(
    compose: dict[str, Any], dummy_environment: dict[str, str], secret: str
) -> None:
    without = {name: value for name, value in dummy_environment.items() if name != secret}

    with pytest.raises(MissingVariable) as missing:
        interpolated(compose, without)
    assert missing.value.name == secret


def test_temporal_setup_prepares_the_namespace_and_search_attributes_the_app_uses(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = resolved["services"]["temporal-setup"]
    script = "\n".join(command_words(setup["command"]))
    app = _settings_from(environment_of(resolved["services"]["worker"]), monkeypatch)

    assert environment_of(setup)["NAMESPACE"] == app.temporal_namespace
    created = dict(re.findall(r"--name (\w+) --type (\w+)", script))
    expected = {key.name: key.indexed_value_type.name.title() for key in SEARCH_ATTRIBUTE_KEYS}
    assert created == expected


def test_every_compose_variable_is_documented(compose: dict[str, Any]) -> None:
    guide = OPERATIONS_GUIDE.read_text(encoding="utf-8")
    variables = {ref.name for text in all_strings(compose) for ref in references(text)}

    assert sorted(name for name in variables if f"`{name}`" not in guide) == []


# --- the Dockerfile -----------------------------------------------------------------------


def build_stage(instructions: list[Instruction]) -> list[Instruction]:
    """The instructions of the stage that installs the project (the one running `pip`)."""
    stages: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append([])
        stages[-1].append(instruction)
    installing = [stage for stage in stages if any("pip install" in i.arguments for i in stage)]
    assert len(installing) == 1
    return installing[0]


def copied_sources(instructions: list[Instruction]) -> list[str]:
    sources: list[str] = []
    for instruction in instructions:
        if instruction.keyword == "COPY" and not instruction.arguments.startswith("--from"):
            *from_context, _ = instruction.arguments.split()
            sources += [source.rstrip("/") for source in from_context]
    return sources


def test_the_image_contains_every_package_pyproject_installs() -> None:
    stage = build_stage(dockerfile_instructions())
    copied = copied_sources(stage)

    assert [source for source in project_sources() if source not in copied] == []
    # The project is installed once everything it needs is in place.
    last_copy = max(index for index, i in enumerate(stage) if i.keyword == "COPY")
    install = next(
        index
        for index, i in enumerate(stage)
        if i.keyword == "RUN" and re.search(r"pip install [^\n]*\.$", i.arguments)
    )
    assert install > last_copy


def test_nothing_the_image_needs_is_ignored() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = copied_sources(dockerfile_instructions())

    assert [s for s in copied if any(fnmatch.fnmatch(s, p) for p in patterns)] == []
    assert {".env", ".git", ".venv"} <= set(patterns)


def test_the_image_runs_a_real_command_as_a_user() -> None:
    instructions = dockerfile_instructions()
    final_stage = instructions[max(i for i, x in enumerate(instructions) if x.keyword == "FROM") :]
    cmd = next(i for i in reversed(final_stage) if i.keyword == "CMD")

    resolve_cli(exec_form(cmd.arguments))
    user = next(i for i in final_stage if i.keyword == "USER")
    assert user.arguments not in {"root", "0"}


def test_project_sources_lists_what_pyproject_names() -> None:
    sources = project_sources()

    assert {"nurture", "api", "inbound", "audit", "analytics", "worker.py"} <= set(sources)
    assert "api.ui" not in sources
    assert COMPOSE_FILE.name not in sources
