"""Fault tests: the product as separate real processes (Temporal dev server, worker, API), a
real SMTP sink and SQLite, on the real clock. Each test gets a stack of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.faults.harness import FaultStack, fault_stack


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[FaultStack]:
    async with fault_stack(tmp_path) as running:
        yield running
        # Every fault is survived: no process may have died of one (the killed worker aside,
        # which the test replaced). Its log is in tmp_path.
        running.check_alive()
