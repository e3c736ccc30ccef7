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

# A real journey has a few thousand values (the demo: 1,200). YAML aliases repeat what they
# name without repeating its text, so 200 bytes of nested aliases ("billion laughs") expand to
# billions of values; counted on the parsed nodes, where an alias is one shared node, such a
# file is refused in linear time, before anything walks the expanded document.
MAX_VALUES = 100_000


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
        except RecursionError as error:
            raise _too_deep(source) from error
        except json.JSONDecodeError as error:
            raise DefinitionInvalid(
                [DefinitionError(file=source, path="", line=error.lineno, message=error.msg)]
            ) from error
    try:
        node, document = _parse_yaml(text, source)
    except RecursionError as error:
        raise _too_deep(source) from error
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


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the document, from one parse. PyYAML's Python parser, not
    its C one: the C parser crashes the whole process on deeply nested input, where this one
    raises RecursionError."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _refuse_expansion_bombs(node, source)
        _refuse_duplicate_keys(node, source)
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _refuse_duplicate_keys(root: yaml.Node, source: str) -> None:
    """YAML keeps the last of two equal keys: a second `rules:` would silently drop the first."""
    found: list[DefinitionError] = []
    seen: set[int] = set()

    def walk(node: yaml.Node, path: tuple[PathPart, ...]) -> None:
        if id(node) in seen:  # an alias: checked where its anchor is
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if isinstance(key_node, yaml.ScalarNode) and key != "<<":
                    if key in keys:
                        found.append(
                            DefinitionError(
                                file=source,
                                path=format_path((*path, key)),
                                line=key_node.start_mark.line + 1,
                                message="is given twice; YAML would keep only the last",
                            )
                        )
                    keys.add(key)
                walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                walk(item, (*path, position))

    walk(root, ())
    if found:
        raise DefinitionInvalid(found)


def _refuse_expansion_bombs(root: yaml.Node, source: str) -> None:
    """Refuse a document whose aliases expand it past `MAX_VALUES` values, or into itself."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise _refused(source, "an alias refers to a value that contains it")
        open_nodes.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1 + sum(size(child) for child in children)
        open_nodes.discard(id(node))
        if total > MAX_VALUES:
            raise _refused(
                source,
                f"the document expands to more than {MAX_VALUES:,} values (aliases repeat what "
                "they refer to); write the journey out without nested aliases",
            )
        sizes[id(node)] = total
        return total

    size(root)


def _too_deep(source: str) -> DefinitionInvalid:
    return _refused(source, "the document is nested too deeply to be a journey")


def _refused(source: str, message: str) -> DefinitionInvalid:
    return DefinitionInvalid([DefinitionError(file=source, path="", line=None, message=message)])


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
