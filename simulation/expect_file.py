"""Recording a simulated path in its scenario file (`nurture simulate --update`).

Only each prospect's `expect:` block is rewritten (or added after the prospect's last key);
every other line of the file, comments included, stays as the marketer wrote it. Comments
inside an old `expect:` block go with it. A prospect written in flow style (`- {id: anna}`)
cannot take a block and is reported instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from simulation.path import SimulationResult


class ExpectationsNotWritable(ValueError):
    """The file's shape does not allow rewriting a prospect's `expect:` block in place."""


@dataclass(frozen=True)
class _Edit:
    start: int  # first line replaced (0-based)
    end: int  # first line kept after the replacement
    lines: list[str]


def record_paths(path: Path, result: SimulationResult) -> None:
    """Write each simulated prospect's path as its `expect:` in the scenario file."""
    paths = {prospect.id: prospect.expect_lines for prospect in result.prospects}
    text = path.read_text(encoding="utf-8")
    path.write_text(with_expectations(text, paths), encoding="utf-8")


def with_expectations(text: str, expectations: dict[str, list[str]]) -> str:
    """`text` with the `expect:` block of each prospect named in `expectations` replaced."""
    if text and not text.endswith("\n"):
        text += "\n"
    lines = text.splitlines(keepends=True)
    edits = [
        _edit(item, expectations[prospect_id], lines)
        for item in _prospect_nodes(text)
        if (prospect_id := _scalar(item, "id")) in expectations
    ]
    for edit in sorted(edits, key=lambda edit: edit.start, reverse=True):
        lines[edit.start : edit.end] = edit.lines
    updated = "".join(lines)
    _check_written(updated, expectations)
    return updated


def _prospect_nodes(text: str) -> list[yaml.MappingNode]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    prospects = _value(root, "prospects") if isinstance(root, yaml.MappingNode) else None
    if not isinstance(prospects, yaml.SequenceNode) or prospects.flow_style:
        raise ExpectationsNotWritable("`prospects:` must be a block list (one `- id: ...` each)")
    nodes = []
    for item in prospects.value:
        if not isinstance(item, yaml.MappingNode) or item.flow_style:
            line = item.start_mark.line + 1
            raise ExpectationsNotWritable(
                f"line {line}: write this prospect as a block mapping (`- id: ...` with one key a "
                "line) so its `expect:` can be recorded"
            )
        nodes.append(item)
    return nodes


def _edit(item: yaml.MappingNode, expected: list[str], lines: list[str]) -> _Edit:
    first_key = item.value[0][0]
    indent = " " * first_key.start_mark.column
    existing = next(((key, value) for key, value in item.value if key.value == "expect"), None)
    if existing is None:
        end = _end_line(item)
        return _Edit(start=end, end=end, lines=_block(indent, indent, expected))
    key, value = existing
    start = key.start_mark.line
    # Keep whatever precedes the key on its line (`- ` when `expect` is the item's first key).
    prefix = lines[start][: key.start_mark.column]
    return _Edit(start=start, end=_end_line(value), lines=_block(prefix, indent, expected))


def _block(prefix: str, indent: str, expected: list[str]) -> list[str]:
    if not expected:
        return [f"{prefix}expect: []\n"]
    # A JSON string is a valid double-quoted YAML scalar: any reason survives the round trip.
    items = [f"{indent}  - {json.dumps(line, ensure_ascii=False)}\n" for line in expected]
    return [f"{prefix}expect:\n", *items]


def _end_line(node: yaml.Node) -> int:
    """The first line after the node's content (nested blocks end where their last item does)."""
    is_block = isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style
    if is_block and node.value:
        last = node.value[-1]
        return _end_line(last[1] if isinstance(node, yaml.MappingNode) else last)
    mark = node.end_mark
    return mark.line + 1 if mark.column > 0 else mark.line


def _value(mapping: yaml.MappingNode, name: str) -> yaml.Node | None:
    return next((value for key, value in mapping.value if key.value == name), None)


def _scalar(mapping: yaml.MappingNode, name: str) -> str | None:
    node = _value(mapping, name)
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _check_written(text: str, expectations: dict[str, list[str]]) -> None:
    """Read the result back: a rewrite that does not say what was meant is never saved."""
    document = yaml.safe_load(text)
    written = {
        str(prospect.get("id")): prospect.get("expect")
        for prospect in document["prospects"]
        if str(prospect.get("id")) in expectations
    }
    if written != expectations:
        raise ExpectationsNotWritable("the rewritten file does not read back as the new path")
