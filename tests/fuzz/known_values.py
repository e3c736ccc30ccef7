"""Generation hooks that mix the seeded ids into generated requests.

A generated `prospect_id` is almost never one the database knows, so half of the values the
hooks see are swapped for seeded ones (a published journey, enrolled prospects, open tasks,
signed link tokens): the fuzzer then reaches the code behind the 404, with everything else
still generated (in valid and invalid shapes).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from schemathesis import BaseSchema, HookContext

from tests.fuzz.seed import Seeded


def mix_in_seeded_values(schema: BaseSchema, seeded: Seeded) -> None:
    """Register the hooks on `schema` (schema-wide, for every operation)."""

    def flatmap_path_parameters(context: HookContext, values: Any) -> st.SearchStrategy[Any]:
        return _mixed(values, seeded, context)

    def flatmap_query(context: HookContext, values: Any) -> st.SearchStrategy[Any]:
        return _mixed(values, seeded, context)

    def flatmap_body(context: HookContext, body: Any) -> st.SearchStrategy[Any]:
        if isinstance(body, list):
            return st.tuples(*(_mixed(item, seeded, context) for item in body)).map(list)
        return _mixed(body, seeded, context)

    for hook in (flatmap_path_parameters, flatmap_query, flatmap_body):
        schema.hook(hook)


def _mixed(values: Any, seeded: Seeded, context: HookContext) -> st.SearchStrategy[Any]:
    """`values` as generated, or with every field the seed knows set to a seeded value."""
    if not isinstance(values, dict) or context.operation is None:
        return st.just(values)
    operation = context.operation.label
    known = {name: seeded.known(name, operation=operation) for name in values}
    known = {name: ids for name, ids in known.items() if ids}
    if not known:
        return st.just(values)
    swapped = st.fixed_dictionaries(
        {
            name: st.sampled_from(known[name]) if name in known else st.just(value)
            for name, value in values.items()
        }
    )
    return st.one_of(st.just(values), swapped)
