"""A worker interceptor: every activity logs with its journey's ids and counts its failures.

Activities log through the standard `logging` (or `activity.logger`); inside one, every line
carries the workflow, prospect and journey ids (see `nurture.logs`), read from the workflow id,
which is the journey's business key. A failed attempt counts in
`nurture_errors_total{where="activity:<name>"}`; Temporal retries it and logs why.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from nurture.logs import journey_ids, log_context
from nurture.metrics import ERRORS


class ObservedActivities(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ObservedActivity(next)


class _ObservedActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        with log_context(**journey_ids(info.workflow_id)):
            try:
                return await super().execute_activity(input)
            except Exception:
                ERRORS.labels(where=f"activity:{info.activity_type}").inc()
                raise
