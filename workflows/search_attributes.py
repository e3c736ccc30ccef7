"""What operators can search journeys by in the Temporal UI: journey, stage and status.

`NurtureJourney = "b2b-funnel" AND NurtureStage = "offer"` lists the prospects in a stage; the
workflow keeps the values current (`prospect_workflow`), and the keys must be registered on the
namespace first (`nurture.visibility`, or `temporal operator search-attribute create`).
Pure: no I/O, so the mapping is tested without a server and imported by workflow code.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

from workflows.state import JourneyState

JOURNEY_KEY = SearchAttributeKey.for_keyword("NurtureJourney")
STAGE_KEY = SearchAttributeKey.for_keyword("NurtureStage")
STATUS_KEY = SearchAttributeKey.for_keyword("NurtureStatus")
SEARCH_ATTRIBUTE_KEYS = (JOURNEY_KEY, STAGE_KEY, STATUS_KEY)

# Upserting search attributes adds commands to a workflow's history; journeys recorded without
# them must replay without them (tests/replay), so the new path sits behind this patch.
SEARCH_ATTRIBUTES_PATCH = "search-attributes-v1"


def search_attribute_updates(state: JourneyState) -> list[SearchAttributeUpdate[str]]:
    """The values that describe `state`, as updates to set (equal states give equal lists)."""
    return [
        JOURNEY_KEY.value_set(state.journey_id),
        STAGE_KEY.value_set(state.stage),
        STATUS_KEY.value_set(state.status),
    ]
