"""Nurture's Prometheus counters, and how a worker serves them beside the Temporal SDK's.

The counters live in a registry of their own (not prometheus_client's global default), shared
by everything in one process: the API serves it at `GET /metrics`, a worker on
`metrics_port + 1` (the Temporal SDK's own metrics take `metrics_port`; the SDK serves them
from its Rust core, which cannot add ours, hence two ports). In `nurture dev` everything runs
in one process, so the API's `/metrics` shows the worker's counters too.

Labels stay bounded: event types, journey ids, task kinds and fixed places, never a
prospect id or an e-mail address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, start_http_server

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_RECEIVED = Counter(
    "nurture_events_received",
    "Prospect events received (webhooks, replies, clicks, sales outcomes), duplicates included.",
    ["type"],
    registry=REGISTRY,
)
EMAILS_SENT = Counter(
    "nurture_emails_sent",
    "Journey e-mails sent (a retry that finds its e-mail already sent counts nothing).",
    ["journey"],
    registry=REGISTRY,
)
TASKS_CREATED = Counter(
    "nurture_tasks_created",
    "Sales tasks created by journeys (hand-offs and other tasks).",
    ["journey", "kind"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "nurture_errors",
    "Failures: `api` for a 5xx answer, `activity:<name>` for a failed activity attempt.",
    ["where"],
    registry=REGISTRY,
)
EMAILS_UNCERTAIN = Counter(
    "nurture_emails_uncertain",
    "E-mails whose delivery attempt ended during DATA, so they may or may not have arrived.",
    ["kind"],
    registry=REGISTRY,
)
SMTP_ALERTS = Counter(
    "nurture_smtp_alerts",
    "SMTP refusals of us (auth, policy 5.7.x, sender): nothing is sent until a person fixes it.",
    ["kind"],
    registry=REGISTRY,
)
EMAILS_SUPPRESSED = Counter(
    "nurture_emails_suppressed",
    "E-mails not sent because the address is on the suppression list.",
    ["journey"],
    registry=REGISTRY,
)
for _kind in ("auth", "policy", "refused_us"):
    SMTP_ALERTS.labels(kind=_kind)
# Shown from the start, at 0, so an alert on its rate has a series to watch.
ERRORS.labels(where="api")


def count_events_received(types: Iterable[str]) -> None:
    for event_type in types:
        EVENTS_RECEIVED.labels(type=event_type).inc()


@dataclass(frozen=True)
class MetricsServer:
    port: int
    stop: Callable[[], None]


def serve_nurture_metrics(port: int) -> MetricsServer:
    """Serve REGISTRY at `http://<host>:{port}/metrics` from a thread, until `stop()`."""
    server, thread = start_http_server(port, registry=REGISTRY)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return MetricsServer(port=port, stop=stop)
