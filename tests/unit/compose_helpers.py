"""Reading docker-compose.yml and the Dockerfile the way Docker would, without Docker.

No machine here runs Docker, so tests/unit/test_compose.py checks both files through these:
compose's variable interpolation, a Dockerfile's instructions, and the project's own CLI (a
container's command is resolved against the typer app, options included).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer.main
import yaml
from typer.core import TyperGroup

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = ROOT / "pyproject.toml"

# $$ (a literal $), ${NAME}, ${NAME:-default} and the other forms compose knows, or $NAME.
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?+])(?P<argument>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<invalid>))"
)


class MissingVariable(Exception):
    """A `${NAME:?message}` variable is unset: compose would refuse to start."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass(frozen=True)
class Reference:
    """One `${...}` in the compose file."""

    name: str
    operator: str | None
    argument: str

    @property
    def required(self) -> bool:
        return self.operator in (":?", "?")


def load_compose() -> dict[str, Any]:
    """The compose file as written (YAML anchors and `<<` merges resolved, no interpolation)."""
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def references(text: str) -> list[Reference]:
    """Every variable `text` interpolates (an escaped `$$` is not one)."""
    found: list[Reference] = []
    for match in _VARIABLE.finditer(text):
        if match["invalid"] is not None:
            raise ValueError(f"invalid interpolation at {text[match.start() :][:30]!r}")
        name = match["braced"] or match["named"]
        if name:
            found.append(Reference(name, match["operator"], match["argument"] or ""))
    return found


def interpolate(text: str, environment: Mapping[str, str]) -> str:
    """`text` with its variables replaced as compose replaces them from `environment`."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["invalid"] is not None:
            raise ValueError(f"invalid interpolation in {text!r}")
        name = match["braced"] or match["named"]
        operator, argument = match["operator"], match["argument"] or ""
        value = environment.get(name)
        # The colon forms treat an empty value as unset.
        unset = value is None or (value == "" and operator is not None and ":" in operator)
        if operator in (":?", "?") and unset:
            raise MissingVariable(name, argument)
        if operator in (":-", "-") and unset:
            return argument
        if operator in (":+", "+"):
            return "" if unset else argument
        return value or ""

    return _VARIABLE.sub(replace, text)


def interpolated(node: Any, environment: Mapping[str, str]) -> Any:
    """The compose document (or a part of it) with every string value interpolated."""
    if isinstance(node, str):
        return interpolate(node, environment)
    if isinstance(node, list):
        return [interpolated(item, environment) for item in node]
    if isinstance(node, dict):
        return {key: interpolated(value, environment) for key, value in node.items()}
    return node


def all_strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [text for item in node for text in all_strings(item)]
    if isinstance(node, dict):
        return [text for value in node.values() for text in all_strings(value)]
    return []


def environment_of(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's `environment`, whether written as a mapping or as a list of NAME=value."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def command_words(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


class CommandRejected(Exception):
    """The `nurture` CLI would refuse this command line (unknown command, option or value)."""


def resolve_cli(words: list[str]) -> dict[str, Any]:
    """Parse `words` (e.g. ["nurture", "db", "upgrade"]) as the `nurture` command would.

    The parsed parameters, or CommandRejected where the container would exit with a usage error.
    """
    from nurture.cli import app

    program, *arguments = words
    scripts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["scripts"]
    if program not in scripts:
        raise CommandRejected(f"{program!r} is not a console script of this project")
    command = typer.main.get_command(app)
    path = [program]
    while isinstance(command, TyperGroup) and arguments and not arguments[0].startswith("-"):
        name, *arguments = arguments
        if name not in command.commands:
            raise CommandRejected(f"no such command: {' '.join([*path, name])}")
        command, path = command.commands[name], [*path, name]
    if isinstance(command, TyperGroup):
        raise CommandRejected(f"{' '.join(path)} needs a subcommand")
    try:
        # Parses options and arguments as the real run would, without running the command.
        context = command.make_context(" ".join(path), list(arguments))
    except Exception as error:  # typer's (or click's) usage errors, whichever it is built on
        raise CommandRejected(f"{' '.join(words)}: {error}") from error
    return dict(context.params)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_instructions() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def exec_form(arguments: str) -> list[str]:
    """The words of a JSON (exec) form instruction such as CMD ["nurture", "api"]."""
    words = yaml.safe_load(arguments)
    assert isinstance(words, list), f"use the exec form (a JSON list): {arguments}"
    return [str(word) for word in words]


def image_tag(image: str) -> str | None:
    """The tag of `name[:tag][@digest]`, None when there is none (docker would use latest)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def project_sources() -> list[str]:
    """What `pip install .` needs: the top folder of every package, py-modules and the readme."""
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    packages = {package.split(".", 1)[0] for package in setuptools["packages"]}
    modules = {f"{module}.py" for module in setuptools.get("py-modules", [])}
    return sorted({*packages, *modules, pyproject["project"]["readme"], "pyproject.toml"})
