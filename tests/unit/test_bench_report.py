"""The benchmark's table and JSON: every row shows its figures, the JSON keeps all of them."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from bench.report import Row, as_json, print_report, write_json
from bench.sampling import Usage
from bench.stats import Latencies

ROWS = [
    Row(
        scenario="Bare Temporal: start_workflow",
        load="1,000 workflows",
        throughput=400.0,
        unit="starts/s",
        usage={"baseline": Usage(20.0, 70.0), "server": Usage(110.0, 250.0)},
        history_per_prospect=2.0,
        bare=True,
    ),
    Row(
        scenario="Event ingestion (single)",
        load="200 prospects",
        throughput=42.5,
        unit="events/s",
        latency=Latencies(count=300, p50=0.12, p95=0.4, p99=0.85, max=0.97),
        usage={
            "worker": Usage(60.0, 180.0),
            "api": Usage(30.0, 140.0),
            "server": Usage(50.0, 260.0),
            "baseline": Usage(0.0, 70.0),
        },
        history_per_prospect=1110.0,
        ratio=0.74,
        note="rates tried (events/s): 20✓, 30✗",
    ),
]


def test_the_table_shows_each_figure() -> None:
    console = Console(width=200, record=True)
    print_report(console, ROWS, title="Nurture vs bare Temporal")
    text = console.export_text()
    assert "400.0 starts/s" in text
    assert "42.5 events/s" in text
    assert "120 ms" in text and "850 ms" in text
    assert "74%" in text
    # Nurture's rows show the worker, API and server; the bare rows the bare worker.
    assert "w 60 · a 30 · s 50" in text
    assert "b 20 · s 110" in text
    assert "1,110" in text
    assert "Event ingestion (single): rates tried (events/s): 20✓, 30✗" in text


def test_the_json_keeps_every_row_and_the_run_details(tmp_path: Path) -> None:
    path = tmp_path / "results" / "run.json"
    write_json(path, as_json(ROWS, meta={"scale": 0.05}, details={"baseline": {"starts": 1000}}))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["meta"] == {"scale": 0.05}
    assert document["details"] == {"baseline": {"starts": 1000}}
    first, second = document["rows"]
    assert first["throughput"] == 400.0 and first["bare"] is True
    assert second["latency"] == {"count": 300, "p50": 0.12, "p95": 0.4, "p99": 0.85, "max": 0.97}
    assert second["usage"]["worker"] == {"cpu_percent": 60.0, "peak_rss_mb": 180.0}
    assert second["ratio"] == 0.74


def test_a_chosen_scenario_brings_what_it_needs_in_running_order() -> None:
    from bench.__main__ import selected

    assert selected(["idle"]) == ["baseline", "enrollment", "idle"]
    assert selected(["interpreter", "latency"]) == ["latency", "interpreter"]
    assert selected(None)[0] == "baseline"
