"""Interpreter: decisions per second of the pure interpreter on the demo journey (no I/O).

The measurement is `bench.interpreter_speed`'s; this puts its figure in the run's table.
"""

from __future__ import annotations

from dataclasses import asdict

from bench.context import RunContext
from bench.interpreter_speed import measure
from bench.report import Row


async def run(context: RunContext) -> list[Row]:
    prospects = context.sizes.interpreter_prospects
    context.say(f"interpreter: {prospects} demo prospects over 60 days")
    result = measure(prospects)
    context.details["interpreter"] = asdict(result) | {
        "decisions_per_second": result.decisions_per_second,
        "turns_per_second": result.turns_per_second,
    }
    return [
        Row(
            scenario="Interpreter (pure, demo journey)",
            load=f"{prospects:,} prospects x 60 days, one core",
            throughput=result.decisions_per_second,
            unit="decisions/s",
            note=f"{result.turns_per_second:,.0f} turns/s, {result.decisions:,} decisions",
        )
    ]
