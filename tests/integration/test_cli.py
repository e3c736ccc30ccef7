"""The `nurture` command: `validate` in-process, and `dev` + `import` as real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from typer.testing import CliRunner

from nurture.api_keys import bearer_header
from nurture.cli import app
from nurture.importer import ImportAborted, read_rows
from nurture.settings import DEVELOPMENT_ADMIN_KEY
from nurture.smtp_sink import free_port_for_server
from tests.integration.api_driver import eventually

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "definitions" / "b2b_funnel.yaml"
# `nurture dev` runs without NURTURE_* variables here, so with the development admin key.
DEV_KEY = bearer_header(DEVELOPMENT_ADMIN_KEY)

BAD_JOURNEY = """\
journey: broken
name: Broken
sender:
  from: "Someone <someone@example.com>"
stages:
  - id: first
    points: [1, 10]
rules:
  - id: reply
    when: {event: email_replied}
    do:
      - move_to: ofer
"""


def test_validate_says_ok_for_a_good_file() -> None:
    result = CliRunner().invoke(app, ["validate", str(DEMO)])

    assert result.exit_code == 0, result.output
    journey, *scenarios = result.output.strip().splitlines()
    assert journey == f"{DEMO}: ok"
    # The demo's own scenarios (b2b_funnel.scenarios/) are played and follow their paths.
    assert scenarios and all(line.endswith(": path: ok") for line in scenarios), scenarios


def test_validate_names_file_line_and_path_of_each_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(BAD_JOURNEY)

    result = CliRunner().invoke(app, ["validate", str(DEMO), str(bad)])

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == f"{DEMO}: ok"
    assert lines[-1].startswith(f"{bad}:12: rules[0].do[0].move_to: ")
    assert "ofer" in lines[-1]


def test_validate_fails_for_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nothing.yaml")])

    assert result.exit_code == 1
    assert "nothing.yaml: cannot read" in result.output


def test_import_reads_attributes_and_names_bad_lines(tmp_path: Path) -> None:
    csv_file = tmp_path / "prospects.csv"
    csv_file.write_text(
        "\ufeffid,email,timezone,plan\n"
        "ada,ada@example.com,Europe/Warsaw,gold\n"
        ",nobody@example.com,,\n"
        "cy,cy@example.com,Mars/Base,\n"
        "dan,dan@example.com,,,extra\n"
    )

    rows, errors = read_rows(csv_file)

    [ada] = rows
    assert (ada.line, ada.prospect.timezone, ada.prospect.attributes) == (
        2,
        "Europe/Warsaw",
        {"plan": "gold"},
    )
    assert [(error.line, error.message) for error in errors] == [
        (3, "id: missing"),
        (4, "timezone: unknown time zone 'Mars/Base': use an IANA name such as 'Europe/Warsaw'"),
        (5, "more fields than the header has columns"),
    ]


def test_import_refuses_a_file_without_the_required_columns(tmp_path: Path) -> None:
    csv_file = tmp_path / "prospects.csv"
    csv_file.write_text("name,mail\nAda,ada@example.com\n")

    with pytest.raises(ImportAborted, match="missing: id, email"):
        read_rows(csv_file)


@dataclass
class DevProcess:
    process: asyncio.subprocess.Process
    api: str
    data_dir: Path
    output: Path


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NURTURE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _temporal_processes(data_dir: Path) -> list[int]:
    """Pids of Temporal servers keeping their data in `data_dir` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"start-dev" in command and str(data_dir / "temporal.db").encode() in command:
            found.append(int(entry.name))
    return found


async def _start_dev(tmp_path: Path, data_dir: Path) -> DevProcess:
    api_port = free_port_for_server()
    output = tmp_path / f"dev-{api_port}.log"
    with output.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "nurture.cli",
            "dev",
            "--api-port",
            str(api_port),
            "--temporal-port",
            str(free_port_for_server()),
            "--ui-port",
            str(free_port_for_server()),
            "--smtp-port",
            str(free_port_for_server()),
            "--data-dir",
            str(data_dir),
            cwd=tmp_path,
            env=_environment(),
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    dev = DevProcess(process, f"http://127.0.0.1:{api_port}", data_dir, output)
    async with httpx.AsyncClient(base_url=dev.api) as client, asyncio.timeout(60):
        while True:
            assert process.returncode is None, output.read_text()
            try:
                if (await client.get("/health")).status_code == 200:
                    return dev
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def _interrupt(dev: DevProcess) -> int:
    dev.process.send_signal(signal.SIGINT)
    async with asyncio.timeout(15):
        return await dev.process.wait()


@pytest_asyncio.fixture
async def data_dir(tmp_path: Path) -> AsyncIterator[Path]:
    folder = tmp_path / "data"
    yield folder
    # A failed test must not leave servers behind.
    for pid in _temporal_processes(folder):
        os.kill(pid, signal.SIGKILL)


async def test_dev_runs_everything_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, data_dir: Path
) -> None:
    dev = await _start_dev(tmp_path, data_dir)
    try:
        async with httpx.AsyncClient(base_url=dev.api, headers=DEV_KEY) as client:
            journeys = {journey["id"] for journey in (await client.get("/journeys")).json()}
            assert "b2b-funnel" in journeys
            enrolled = await client.post(
                "/journeys/b2b-funnel/enrollments",
                json={"id": "ada", "email": "ada@example.com", "first_name": "Ada"},
            )
            assert enrolled.status_code == 201, enrolled.text

            async with asyncio.timeout(15):
                while True:
                    mails = list((data_dir / "mail").glob("*.eml"))
                    if mails:
                        break
                    await asyncio.sleep(0.1)
            [mail] = mails
            assert b"ada@example.com" in mail.read_bytes()

            csv_file = tmp_path / "prospects.csv"
            csv_file.write_text(
                "id,email,first_name,company,segment\n"
                "bea,bea@example.com,Bea,Bea Ltd,retail\n"
                "cy,,Cy,,retail\n"
                "dan,dan@example.com,Dan,,\n"
            )
            importing = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "nurture.cli",
                "import",
                str(csv_file),
                "--journey",
                "b2b-funnel",
                "--api-url",
                dev.api,
                cwd=tmp_path,
                env=_environment(),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            async with asyncio.timeout(30):
                out, _ = await importing.communicate()
            report = out.decode()
            assert importing.returncode == 1, report  # one malformed row
            assert "line 3: email: missing" in report
            assert "enrolled: 2  conflicts: 0  errors: 1" in report
            bea = (await client.get("/prospects/bea")).json()
            assert bea["attributes"] == {"segment": "retail"}
    finally:
        code = await _interrupt(dev)

    assert code == 0, dev.output.read_text()
    assert "Stopped." in dev.output.read_text()
    assert DEVELOPMENT_ADMIN_KEY in dev.output.read_text()  # printed for the developer
    assert _temporal_processes(data_dir) == []


async def test_dev_keeps_every_prospect_across_a_restart(tmp_path: Path, data_dir: Path) -> None:
    first = await _start_dev(tmp_path, data_dir)
    try:
        async with httpx.AsyncClient(base_url=first.api, headers=DEV_KEY) as client:
            enrolled = await client.post(
                "/journeys/b2b-funnel/enrollments",
                json={"id": "ada", "email": "ada@example.com"},
            )
            assert enrolled.status_code == 201, enrolled.text
    finally:
        assert await _interrupt(first) == 0

    second = await _start_dev(tmp_path, data_dir)
    try:
        async with httpx.AsyncClient(base_url=second.api, headers=DEV_KEY) as client:

            async def answered_by_the_workflow() -> dict[str, Any] | None:
                # The first query after a restart replays the workflow on a cold worker and may
                # outlast the API's query timeout (it then answers from the projection).
                [journey] = (await client.get("/prospects/ada")).json()["journeys"]
                return dict(journey) if journey["source"] == "workflow" else None

            journey = await eventually(answered_by_the_workflow, within=30)
            assert journey["journey_id"] == "b2b-funnel"
            listing = (await client.get("/journeys")).json()
            assert {j["id"]: j["versions"] for j in listing}["b2b-funnel"] == [1]
    finally:
        assert await _interrupt(second) == 0
