"""Every recorded history must replay on today's workflow code, or deploying it would break
the journeys those histories stand for (a non-determinism error on their next workflow task).

The histories were recorded by `tests/replay/record.py` from earlier versions of the workflow
(`v1-*` before search attributes were upserted, `v2-*` after); see docs on rolling out
workflow code. No server is needed: replay runs the workflow against the saved events.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.prospect_workflow import ProspectJourneyWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))


def test_histories_from_before_and_after_the_search_attributes_are_kept() -> None:
    tags = {path.name.split("-", 1)[0] for path in HISTORIES}
    assert {"v1", "v2"} <= tags


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_a_recorded_history_replays_on_the_current_workflow(path: Path) -> None:
    replayer = Replayer(workflows=[ProspectJourneyWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(_history(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
