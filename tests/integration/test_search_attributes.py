"""Operators list prospects in the Temporal UI by journey, stage and status (search attributes).

Visibility is eventually consistent, so each listing is polled until it settles.
"""

from __future__ import annotations

from temporalio.client import Client

from tests.integration.api_driver import Api, eventually, journey_yaml

# The driver's test journey, and a rule that moves a prospect on to `second`.
MOVING_JOURNEY = (
    journey_yaml("{journey_id}")
    + """
  - id: pricing-moves-on
    when: {event: form_submitted, form: pricing}
    do:
      - move_to: second
"""
)


async def _listed(client: Client, query: str) -> set[str]:
    return {execution.id async for execution in client.list_workflows(query)}


async def _settles_on(client: Client, query: str, expected: set[str]) -> set[str]:
    async def matches() -> set[str] | None:
        listed = await _listed(client, query)
        return listed if listed == expected else None

    try:
        return await eventually(matches)
    except TimeoutError:
        return await _listed(client, query)


async def test_prospects_are_listed_by_journey_stage_and_status_as_they_move(api: Api) -> None:
    await api.publish(MOVING_JOURNEY)
    for prospect_id in ("mover", "replier", "stayer"):
        assert (await api.enroll(prospect_id)).status_code == 201
    await api.post_event("pricing", "mover", "form_submitted", form_id="pricing")
    await api.post_event("reply", "replier", "email_replied", text="Call me")
    await eventually(lambda: api.state_if("mover", lambda state: state["stage"] == "second"))
    await eventually(lambda: api.state_if("replier", lambda s: s["status"] == "handed_off"))

    client, journey = api.temporal.client, f'NurtureJourney = "{api.journey_id}"'
    ids = {name: api.workflow(name).id for name in ("mover", "replier", "stayer")}
    in_second = await _settles_on(client, f'NurtureStage = "second" AND {journey}', {ids["mover"]})
    assert in_second == {ids["mover"]}
    in_first = await _settles_on(
        client, f'NurtureStage = "first" AND {journey}', {ids["replier"], ids["stayer"]}
    )
    assert in_first == {ids["replier"], ids["stayer"]}
    handed_off = await _settles_on(
        client, f'NurtureStatus = "handed_off" AND {journey}', {ids["replier"]}
    )
    assert handed_off == {ids["replier"]}
