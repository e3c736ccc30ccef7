"""Definition errors that tell a marketer exactly where and what: file, path, line, reason."""

from __future__ import annotations

from pydantic import BaseModel


class DefinitionError(BaseModel):
    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(document)'}: {self.message}"


class DefinitionInvalid(ValueError):
    def __init__(self, errors: list[DefinitionError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


PathPart = str | int


def format_path(parts: tuple[PathPart, ...]) -> str:
    """('rules', 2, 'do', 0) -> 'rules[2].do[0]' — the way people read YAML paths."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
