"""Log lines as operators read them: JSON objects with the ids of the journey they are about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from nurture.logs import LogFormat, journey_ids, log_context, log_handler
from workflows.contract import journey_workflow_id


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, dict[LogFormat, io.StringIO]]]:
    logger = logging.getLogger("tests.logs")
    streams: dict[LogFormat, io.StringIO] = {"json": io.StringIO(), "text": io.StringIO()}
    handlers = [log_handler(log_format, stream) for log_format, stream in streams.items()]
    for handler in handlers:
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger, streams
    finally:
        for handler in handlers:
            logger.removeHandler(handler)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_has_time_level_logger_message_and_the_bound_ids(
    logged: tuple[logging.Logger, dict[LogFormat, io.StringIO]],
) -> None:
    logger, streams = logged
    with log_context(**journey_ids(journey_workflow_id("b2b-funnel", "ada:1"))):
        logger.warning("sent %s", "intro")
    logger.info("outside")

    inside, outside = json_lines(streams["json"])
    assert inside["level"] == "WARNING" and inside["logger"] == "tests.logs"
    assert inside["message"] == "sent intro"
    assert inside["timestamp"].endswith("+00:00")
    assert (inside["workflow_id"], inside["journey_id"], inside["prospect_id"]) == (
        "journey:b2b-funnel:prospect:ada:1",
        "b2b-funnel",
        "ada:1",
    )
    assert outside.keys() == {"timestamp", "level", "logger", "message"}
    first, second = streams["text"].getvalue().splitlines()
    assert first.endswith(
        "sent intro [workflow_id=journey:b2b-funnel:prospect:ada:1 prospect_id=ada:1 "
        "journey_id=b2b-funnel]"
    )
    assert second.endswith("tests.logs: outside")


def test_ids_given_with_the_call_win_and_temporal_details_fill_the_rest(
    logged: tuple[logging.Logger, dict[LogFormat, io.StringIO]],
) -> None:
    logger, streams = logged
    with log_context(prospect_id="bound"):
        logger.info(
            "hi",
            extra={"prospect_id": "given", "temporal_activity": {"workflow_id": "wf-1"}},
        )
    with log_context(prospect_id="bound"):
        logger.info("hi", extra={"temporal_activity": {"workflow_id": "journey:j:prospect:p"}})
    given, from_temporal = json_lines(streams["json"])
    assert (given["prospect_id"], given["workflow_id"]) == ("given", "wf-1")
    assert "journey_id" not in given
    # Temporal's details name the workflow; its id names the journey (the bound id wins).
    assert (from_temporal["prospect_id"], from_temporal["journey_id"]) == ("bound", "j")


def test_an_exception_is_kept_in_its_line(
    logged: tuple[logging.Logger, dict[LogFormat, io.StringIO]],
) -> None:
    logger, streams = logged
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    [line] = json_lines(streams["json"])
    assert line["message"] == "failed" and "ValueError: boom" in line["exception"]


def test_only_a_journeys_workflow_id_names_a_prospect_and_journey() -> None:
    assert journey_ids("some-other-workflow") == {
        "workflow_id": "some-other-workflow",
        "journey_id": None,
        "prospect_id": None,
    }
    assert journey_ids(None)["workflow_id"] is None
