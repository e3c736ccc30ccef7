"""Read a journey file (YAML or JSON) into a validated `JourneyDefinition`.

Every problem is collected and reported with its file, its path in the document and, for YAML,
its line — a marketer fixing a file wants all of its mistakes at once, pointed at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from definitions.errors import DefinitionError, DefinitionInvalid, PathPart, format_path
from definitions.model import JourneyDefinition
from definitions.validator import validate

LineIndex = dict[tuple[PathPart, ...], int]


def _index_lines(node: yaml.Node, path: tuple[PathPart, ...], index: LineIndex) -> None:
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            index[(*path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*path, key), index)
            index[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index_lines(item, (*path, position), index)


def line_of(path: tuple[PathPart, ...], index: LineIndex) -> int | None:
    # The nearest enclosing node that exists: a missing key is reported at its parent.
    for length in range(len(path), -1, -1):
        if path[:length] in index:
            return index[path[:length]]
    return None


def _document_path(loc: tuple[int | str, ...], document: Any) -> tuple[PathPart, ...]:
    """Pydantic's error location, less the parts it adds that are not in the file.

    A tagged union puts its tag right before the field of the same name (`do[0].mark.mark`),
    and a plain union names the member type (`then.HandOverToRule`) under a non-mapping value.
    """
    parts = [
        part
        for position, part in enumerate(loc)
        if not (position + 1 < len(loc) and part in _UNION_TAGS and loc[position + 1] == part)
    ]
    path: list[PathPart] = []
    node = document
    for part in parts:
        if not isinstance(node, dict | list) and path:
            break  # below a scalar: the rest names union members, not the document
        path.append(part)
        node = node[part] if _has_child(node, part) else None
    return tuple(path)


def _has_child(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and part < len(node)


# Tags of the step and action unions (definitions.model); pydantic puts them in error paths.
_UNION_TAGS = frozenset(
    {"send", "wait", "wait_for", "add_points", "move_to", "mark", "handoff", "task"}
    | {"stop_sequence", "pause", "complete"}
)


def schema_errors(
    error: ValidationError, document: Any, source: str, lines: LineIndex
) -> list[DefinitionError]:
    found = []
    for detail in error.errors(include_url=False):
        path = _document_path(tuple(detail["loc"]), document)
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "missing":
            message = "is required"
        elif detail["type"] == "extra_forbidden":
            message = "is not a known key here (a typo?)"
        elif detail["type"] == "literal_error":
            message = f"{message}, got {detail['input']!r}"
        found.append(
            DefinitionError(
                file=source, path=format_path(path), line=line_of(path, lines), message=message
            )
        )
    return found


def parse_document(
    text: str, source: str, media_type: Literal["yaml", "json"]
) -> tuple[Any, LineIndex]:
    if media_type == "json":
        try:
            return json.loads(text), {}
        except json.JSONDecodeError as error:
            raise DefinitionInvalid(
                [DefinitionError(file=source, path="", line=error.lineno, message=error.msg)]
            ) from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DefinitionInvalid(
            [
                DefinitionError(
                    file=source,
                    path="",
                    line=mark.line + 1 if mark else None,
                    message=f"not valid YAML: {getattr(error, 'problem', None) or error}",
                )
            ]
        ) from error
    lines: LineIndex = {}
    if node is not None:
        _index_lines(node, (), lines)
    return document, lines


def parse_definition(
    text: str, *, source: str = "<request>", media_type: Literal["yaml", "json"] = "yaml"
) -> JourneyDefinition:
    """Parse and fully validate; raises DefinitionInvalid listing every problem found."""
    document, lines = parse_document(text, source, media_type)
    if not isinstance(document, dict):
        raise DefinitionInvalid(
            [DefinitionError(file=source, path="", line=1, message="a journey is a mapping")]
        )
    try:
        definition = JourneyDefinition.model_validate(document)
    except ValidationError as error:
        raise DefinitionInvalid(schema_errors(error, document, source, lines)) from error
    problems = validate(definition)
    if problems:
        raise DefinitionInvalid(
            [
                DefinitionError(
                    file=source,
                    path=format_path(problem.path),
                    line=line_of(problem.path, lines),
                    message=problem.message,
                )
                for problem in problems
            ]
        )
    return definition


def load_file(path: Path) -> JourneyDefinition:
    media_type: Literal["yaml", "json"] = "json" if path.suffix == ".json" else "yaml"
    return parse_definition(
        path.read_text(encoding="utf-8"), source=str(path), media_type=media_type
    )
