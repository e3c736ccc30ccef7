"""`nurture import`: enroll the prospects of a CSV file through the API, in batches.

Columns `id`, `email` (required), `first_name`, `company`, `timezone`; any other column becomes
an attribute. Every row is checked here first, with the same rules the API applies, so a bad row
is reported with its line number and the rest of its batch still goes through.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from api.schemas import EnrollmentProspect

REQUIRED_COLUMNS = ("id", "email")
CONTACT_COLUMNS = ("id", "email", "first_name", "company", "timezone")


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
    """The valid rows and the errors of the others, each with its line in the file."""
    rows: list[Row] = []
    errors: list[RowError] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ImportAborted(f"cannot read {path}: {error.strerror or error}") from error
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ImportAborted(
                f"{path}: the header must name the columns {', '.join(REQUIRED_COLUMNS)} "
                f"(missing: {', '.join(missing)})"
            )
        reader.fieldnames = header
        for raw in reader:
            line = reader.line_num
            if None in raw:
                errors.append(RowError(line, "more fields than the header has columns"))
                continue
            values = {key: (value or "").strip() for key, value in raw.items()}
            # Empty cells are absent, so a missing id or email reads "missing", not "None".
            data: dict[str, Any] = {key: values[key] for key in CONTACT_COLUMNS if values.get(key)}
            data["attributes"] = {
                key: value for key, value in values.items() if key not in CONTACT_COLUMNS and value
            }
            try:
                rows.append(Row(line, EnrollmentProspect.model_validate(data)))
            except ValidationError as error:
                errors.append(RowError(line, _describe(error)))
    return rows, errors


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
