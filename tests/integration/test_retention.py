"""`nurture dev` keeps closed runs' histories long enough for the audit timeline to read them."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from nurture.retention import DEV_HISTORY_RETENTION, history_retention, keep_history_for


async def test_history_is_kept_longer_and_never_shortened(
    temporal_env: WorkflowEnvironment,
) -> None:
    client = temporal_env.client
    assert await history_retention(client) <= DEV_HISTORY_RETENTION

    await keep_history_for(client, DEV_HISTORY_RETENTION)
    assert await history_retention(client) == DEV_HISTORY_RETENTION

    await keep_history_for(client, timedelta(days=1))
    assert await history_retention(client) == DEV_HISTORY_RETENTION
