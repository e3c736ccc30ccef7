"""Logging for every process: plain text for people, or one JSON object per line for collectors.

A line names the workflow, prospect and journey it is about whenever they are known, so one
prospect's story can be pulled out of many workers' logs. They come from, in this order: the
log call's own `extra={"prospect_id": ...}`, the context bound with `log_context` (an activity's
ids, bound by `nurture.activity_observer` for the whole activity), the details Temporal's
activity and workflow loggers attach (`temporal_activity`, `temporal_workflow`), and a
journey's workflow id, which names its journey and prospect.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from temporalio import activity, workflow

LogFormat = Literal["text", "json"]
LOG_IDS = ("workflow_id", "prospect_id", "journey_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(log_ids)s"

_JOURNEY_PREFIX = "journey:"
_PROSPECT_SEPARATOR = ":prospect:"

_bound_ids: ContextVar[Mapping[str, str] | None] = ContextVar("nurture_log_ids", default=None)


@contextlib.contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Every line logged inside (in this task and tasks it starts) carries these ids."""
    known = {name: value for name, value in ids.items() if value}
    token = _bound_ids.set({**(_bound_ids.get() or {}), **known})
    try:
        yield
    finally:
        _bound_ids.reset(token)


def journey_ids(workflow_id: str | None) -> dict[str, str | None]:
    """workflow_id, journey_id and prospect_id of a journey's workflow id (the inverse of
    `workflows.contract.journey_workflow_id`); another workflow's id gives only itself."""
    journey_id = prospect_id = None
    if workflow_id and workflow_id.startswith(_JOURNEY_PREFIX):
        # Journey ids are slugs (no colon); a prospect id may hold anything, colons included.
        journey, separator, prospect = workflow_id.removeprefix(_JOURNEY_PREFIX).partition(
            _PROSPECT_SEPARATOR
        )
        if separator and journey and prospect:
            journey_id, prospect_id = journey, prospect
    return {"workflow_id": workflow_id, "journey_id": journey_id, "prospect_id": prospect_id}


def attach_log_ids(record: logging.LogRecord) -> bool:
    """A handler filter: copy the ids bound by `log_context` onto the record while it is
    being handled, in the task that logged it (a formatter may run later, elsewhere)."""
    for name, value in (_bound_ids.get() or {}).items():
        if not getattr(record, name, None):
            setattr(record, name, value)
    return True


def ids_of(record: logging.LogRecord) -> dict[str, str]:
    """The workflow, prospect and journey ids a record is about, as far as they are known."""
    found: dict[str, str] = {}
    temporal = getattr(record, "temporal_activity", None) or getattr(
        record, "temporal_workflow", None
    )
    sources: list[Mapping[str, Any]] = [record.__dict__]
    if isinstance(temporal, Mapping):
        sources.append(temporal)
    for name in LOG_IDS:
        for source in sources:
            value = source.get(name)
            if value:
                found[name] = str(value)
                break
    # A journey's workflow id names its prospect and journey (Temporal's own lines give only it).
    for name, value in journey_ids(found.get("workflow_id")).items():
        if value and name not in found:
            found[name] = value
    return found


class JsonFormatter(logging.Formatter):
    """timestamp, level, logger, message, the ids when known, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **ids_of(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The usual one-line text, with ` [workflow_id=… prospect_id=…]` when they are known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        ids = ids_of(record)
        record.log_ids = (
            " [" + " ".join(f"{name}={value}" for name, value in ids.items()) + "]" if ids else ""
        )
        return super().format(record)


def log_handler(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing lines of `log_format` to `stream` (stderr), ids attached."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(attach_log_ids)
    return handler


def configure_logging(*, log_format: LogFormat, level: int = logging.INFO) -> None:
    """One handler on the root logger, to stderr; replaces whatever was configured before."""
    logging.basicConfig(level=level, handlers=[log_handler(log_format)], force=True)
    # Temporal's loggers append their details to the message text; the formatters above put
    # the ids in their own fields already, so a JSON line's message stays the message.
    activity.logger.activity_info_on_message = log_format == "text"
    workflow.logger.workflow_info_on_message = log_format == "text"
