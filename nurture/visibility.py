"""Registers the journey's search attributes on a namespace, so workflows may set them.

A workflow that upserts an unregistered search attribute fails its workflow task until the
attribute exists, so every process that owns a Temporal server registers them before a worker
starts: `nurture dev` and the tests. A cluster's operator creates them once (docs/operations.md,
"Finding prospects in the Temporal UI"); registering what already exists changes nothing.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType

from workflows.search_attributes import SEARCH_ATTRIBUTE_KEYS


class SearchAttributeConflict(Exception):
    """A search attribute of ours exists on the namespace with another type."""


async def register_search_attributes(client: Client) -> list[str]:
    """Add those of our search attributes the namespace lacks; the names added."""
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    existing = {**listed.system_attributes, **listed.custom_attributes}
    missing: dict[str, IndexedValueType.ValueType] = {}
    for key in SEARCH_ATTRIBUTE_KEYS:
        wanted = IndexedValueType.ValueType(key.indexed_value_type.value)
        if key.name not in existing:
            missing[key.name] = wanted
        elif existing[key.name] != wanted:
            found = SearchAttributeIndexedValueType(existing[key.name]).name
            expected = key.indexed_value_type.name
            raise SearchAttributeConflict(
                f"search attribute {key.name} exists as {found}, expected {expected}"
            )
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    return sorted(missing)
