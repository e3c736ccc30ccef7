"""How long Temporal keeps a closed run's history, which is what the audit timeline is read from.

The dev server creates its `default` namespace keeping closed runs for one day; a prospect's
timeline would then lose its earlier runs (before a continue-as-new, or a journey that ended)
overnight. `nurture dev` raises it; in production the namespace is the operator's to configure
(docs/audit.md), and the timeline keeps its own copy of every closed run it has read.
"""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest
from temporalio.client import Client

DEV_HISTORY_RETENTION = timedelta(days=365)


async def history_retention(client: Client) -> timedelta:
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace)
    )
    return described.config.workflow_execution_retention_ttl.ToTimedelta()


async def keep_history_for(client: Client, retention: timedelta) -> None:
    """Keep closed runs at least `retention`; a namespace already keeping them longer is left."""
    if await history_retention(client) >= retention:
        return
    ttl = Duration()
    ttl.FromTimedelta(retention)
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(
            namespace=client.namespace,
            config=NamespaceConfig(workflow_execution_retention_ttl=ttl),
        )
    )
