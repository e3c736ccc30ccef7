"""Scenario documents read like journey files: every problem with its path and line.

The parsing, line index and error wording are the journey loader's own (`definitions.loader`),
so a marketer reads `vacation.yaml:12: prospects[0].events[1].at: ...` in the same form as a
mistake in the journey itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails

from definitions.errors import DefinitionError, DefinitionInvalid, PathPart, format_path

# Shared on purpose with the journey loader: one wording of schema errors for every file.
from definitions.loader import LineIndex, line_of, parse_document, schema_errors

Model = TypeVar("Model", bound=BaseModel)


class ScenarioInvalid(DefinitionInvalid):
    """A scenario with problems; `errors` names the place of each."""


@dataclass(frozen=True)
class Document:
    content: Any
    source: str
    lines: LineIndex

    def error(self, path: tuple[PathPart, ...], message: str) -> DefinitionError:
        return DefinitionError(
            file=self.source, path=format_path(path), line=self.line_of(path), message=message
        )

    def line_of(self, path: tuple[PathPart, ...]) -> int | None:
        """The line of `path`, or of its nearest enclosing part that is in the document."""
        return line_of(path, self.lines)

    def validate(self, model: type[Model]) -> Model:
        """The document as `model`; ScenarioInvalid naming each problem's place."""
        try:
            return model.model_validate(self.content)
        except ValidationError as error:
            raise ScenarioInvalid(self.schema_errors(error)) from error

    def schema_errors(
        self, error: ValidationError, *, at: tuple[PathPart, ...] = ()
    ) -> list[DefinitionError]:
        """A validation error of the part at `at`, its locations made whole-document paths."""
        if at:
            moved = [_moved(detail, at) for detail in error.errors(include_url=False)]
            error = ValidationError.from_exception_data(error.title, moved)
        return schema_errors(error, self.content, self.source, self.lines)


def read_document(
    text: str, *, source: str, media_type: Literal["yaml", "json"] = "yaml"
) -> Document:
    content, lines = parse_document(text, source, media_type)
    return document_of(content, source=source, lines=lines)


def document_of(content: Any, *, source: str, lines: LineIndex | None = None) -> Document:
    """An already parsed document (a JSON request body), checked to be a mapping."""
    if not isinstance(content, dict):
        raise ScenarioInvalid(
            [DefinitionError(file=source, path="", message="a scenario is a mapping")]
        )
    return Document(content=content, source=source, lines=lines or {})


def _moved(detail: ErrorDetails, at: tuple[PathPart, ...]) -> InitErrorDetails:
    moved = InitErrorDetails(type=detail["type"], loc=(*at, *detail["loc"]), input=detail["input"])
    if "ctx" in detail:
        moved["ctx"] = detail["ctx"]
    return moved
