"""`nurture import`: enroll the prospects of a CSV file through the API, in batches.

Columns `id`, `email` (required), `first_name`, `company`, `timezone`; any other column becomes
an attribute. Every row is checked here first, with the same rules the API applies, so a bad row
is reported with its line number and column and the rest of its batch still goes through: a row
in another encoding, a cell too long or starting a spreadsheet formula, an id given twice. Commas,
semicolons or tabs separate the columns; a UTF-8 or UTF-16 byte-order mark is allowed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from api.schemas import EnrollmentProspect

REQUIRED_COLUMNS = ("id", "email")
CONTACT_COLUMNS = ("id", "email", "first_name", "company", "timezone")
DELIMITERS = (",", ";", "\t")
# Far longer than any name, address or attribute; a batch of such rows would pass the API's
# body limit and fail every good row with them.
MAX_CELL_CHARS = 10_000
FORMULA_STARTS = frozenset("=+-@")
# A number or a phone number ("+48 601 234 567", "-5") starts with + or - and runs nothing.
_NUMBER = re.compile(r"[+-]?[\d\s().,/-]+")
_SURROGATES = re.compile("[\udc80-\udcff]")


class ImportAborted(Exception):
    """Nothing more can be imported: unknown journey, unreachable API, unreadable file."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Row:
    line: int
    prospect: EnrollmentProspect


@dataclass
class ImportReport:
    enrolled: int = 0
    conflicts: int = 0
    errors: list[RowError] = field(default_factory=list)


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors(include_url=False):
        where = ".".join(str(part) for part in detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {'missing' if detail['type'] == 'missing' else message}")
    return "; ".join(parts)


def read_rows(path: Path) -> tuple[list[Row], list[RowError]]:
    """The valid rows and the errors of the others, each with its line in the file.

    Only what concerns the whole file aborts (unreadable, empty, no `id`/`email` column); a
    bad row is an error naming its line and column, and the rows around it still go in.
    """
    text = _text_of(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = _header(path, reader)
    rows: list[Row] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    while True:
        line = reader.line_num + 1  # where the row starts (a quoted cell may span lines)
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field over the csv module's size limit
            errors.append(RowError(line, f"unreadable row: {error}"))
            continue
        if not any(field.strip() for field in fields):
            continue  # a blank line
        problem = _row_problem(header, fields)
        if problem is not None:
            errors.append(RowError(line, problem))
            continue
        values = {key: value.strip() for key, value in zip(header, fields, strict=False)}
        # Empty cells are absent, so a missing id or email reads "missing", not "None".
        data: dict[str, Any] = {key: values[key] for key in CONTACT_COLUMNS if values.get(key)}
        data["attributes"] = {
            key: value for key, value in values.items() if key not in CONTACT_COLUMNS and value
        }
        try:
            prospect = EnrollmentProspect.model_validate(data)
        except ValidationError as error:
            errors.append(RowError(line, _describe(error)))
            continue
        if prospect.id in first_line:
            where = first_line[prospect.id]
            errors.append(RowError(line, f"id: {prospect.id!r} is already on line {where}"))
            continue
        first_line[prospect.id] = line
        rows.append(Row(line, prospect))
    return rows, errors


def _text_of(path: Path) -> str:
    """The file as text. Bytes that are not UTF-8 (one row saved in another encoding) are kept
    as lone surrogates, so that row, and only that row, is reported (`_row_problem`)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportAborted(f"cannot read {path}: {error.strerror or error}") from error
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        return data.decode("utf-16", "surrogateescape")
    return data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape")


def _delimiter(text: str) -> str:
    """The one that makes the first line name `id` and `email`: Excel writes `;` where the
    decimal separator is a comma, and tabs in its "text" export."""
    first_line = text.split("\n", 1)[0]
    for delimiter in DELIMITERS:
        names = {name.strip() for name in next(csv.reader([first_line], delimiter=delimiter))}
        if names.issuperset(REQUIRED_COLUMNS):
            return delimiter
    return DELIMITERS[0]


def _header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration as error:
        raise ImportAborted(f"{path} is empty: its first line must name the columns") from error
    except csv.Error as error:
        raise ImportAborted(f"{path}: cannot read the header: {error}") from error
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportAborted(
            f"{path}: the header must name the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(missing: {', '.join(missing)}), separated by commas, semicolons or tabs"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        # A second `email` column would silently win over the first.
        raise ImportAborted(f"{path}: the header names {', '.join(repeated)} more than once")
    return header


def _row_problem(header: Sequence[str], fields: Sequence[str]) -> str | None:
    """What is wrong with a row's cells as written, before the prospect's own rules apply."""
    if len(fields) > len(header):
        return "more fields than the header has columns"
    for column, value in zip(header, fields, strict=False):
        if _SURROGATES.search(value):
            return f"{column}: not UTF-8 text (save the file as UTF-8)"
        if "\n" in value or "\r" in value:
            # Legal in CSV, but mostly a quote left open, which swallows the rows after it.
            return f"{column}: holds a line break; is a quote left unclosed?"
        if len(value) > MAX_CELL_CHARS:
            return f"{column}: {len(value):,} characters, more than the {MAX_CELL_CHARS:,} allowed"
        stripped = value.strip()
        if stripped[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(stripped):
            # A spreadsheet opening an export of this data would run it (CSV injection).
            return f"{column}: {stripped[:30]!r} would run as a formula in a spreadsheet"
    return None


async def import_rows(
    rows: Sequence[Row],
    *,
    journey_id: str,
    client: httpx.AsyncClient,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """Post the rows in batches to `/journeys/{journey_id}/enrollments` of the client's API."""
    report = ImportReport()
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        await _post_batch(client, journey_id, batch, report)
        if on_batch is not None:
            on_batch(len(batch))
    return report


async def _post_batch(
    client: httpx.AsyncClient, journey_id: str, batch: Sequence[Row], report: ImportReport
) -> None:
    payload = [row.prospect.model_dump(mode="json", exclude_none=True) for row in batch]
    url = f"/journeys/{journey_id}/enrollments"
    try:
        response = await client.post(url, json=payload, timeout=120)
    except httpx.HTTPError as error:
        raise ImportAborted(f"cannot reach the API at {client.base_url}: {error}") from error
    if response.status_code == 404:
        raise ImportAborted(f"the API knows no journey {journey_id!r}: publish it first")
    line_of = {row.prospect.id: row.line for row in batch}
    body: Any = _json(response)
    if response.status_code in (201, 409, 503) and isinstance(body, dict) and "enrolled" in body:
        report.enrolled += len(body["enrolled"])
        report.conflicts += len(body["conflicts"])
        for failure in body.get("errors", []):
            line = line_of.get(failure["prospect_id"], 0)
            report.errors.append(RowError(line, failure["message"]))
        return
    if response.status_code == 422 and isinstance(body, dict):
        for detail in body.get("detail", []):
            loc = detail.get("loc", [])
            index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            line = batch[index].line if index is not None and index < len(batch) else 0
            where = ".".join(str(part) for part in loc[2:])
            report.errors.append(RowError(line, f"{where}: {detail.get('msg')}"))
        return
    message = f"the API answered {response.status_code}: {response.text[:200]}"
    report.errors.extend(RowError(row.line, message) for row in batch)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
