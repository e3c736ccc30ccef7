"""Checks of one trigger: exactly one kind, narrowers that fit its event, known references."""

from __future__ import annotations

from collections.abc import Iterator

from definitions.errors import PathPart
from definitions.model import JourneyDefinition, Trigger
from definitions.problems import Problem, content_ids, stage_ids, unknown

# Which narrowing keys make sense with which trigger event.
NARROWERS_BY_EVENT: dict[str, frozenset[str]] = {
    "content_consumed": frozenset({"content", "content_stage"}),
    "content_sent": frozenset({"content", "content_stage"}),
    "form_submitted": frozenset({"form"}),
    "channel_contact": frozenset({"channel"}),
    "stage_entered": frozenset({"stage"}),
    "sales_outcome": frozenset({"outcome"}),
    "out_of_office": frozenset({"alternate_contact"}),
}
INTERNAL_EVENTS = frozenset({"content_sent", "stage_entered", "resurfaced"})
NARROWERS = (
    "content",
    "content_stage",
    "form",
    "channel",
    "stage",
    "outcome",
    "alternate_contact",
)


def trigger(
    definition: JourneyDefinition, trigger: Trigger, path: tuple[PathPart, ...]
) -> Iterator[Problem]:
    kinds = [
        kind
        for kind in ("event", "score_at_least", "inactive_for")
        if getattr(trigger, kind) is not None
    ]
    if len(kinds) != 1:
        yield Problem(
            path,
            "a trigger needs exactly one of `event`, `score_at_least` or `inactive_for`"
            + (f", got {', '.join(kinds)}" if kinds else ""),
        )
        return
    if trigger.event == "unsubscribed":
        yield Problem(
            (*path, "event"),
            "nothing may follow an unsubscribe: the journey ends and no rule runs after it",
        )
    allowed = NARROWERS_BY_EVENT.get(trigger.event or "", frozenset())
    for narrower in NARROWERS:
        if getattr(trigger, narrower) is not None and narrower not in allowed:
            yield Problem(
                (*path, narrower),
                f"`{narrower}` cannot narrow "
                + (f"a `{trigger.event}` event" if trigger.event else f"a `{kinds[0]}` trigger"),
            )
    stages, contents = stage_ids(definition), content_ids(definition)
    if trigger.content is not None and trigger.content not in contents:
        yield Problem((*path, "content"), unknown("content", trigger.content, contents))
    for key in ("content_stage", "stage"):
        value = getattr(trigger, key)
        if value is not None and value not in stages:
            yield Problem((*path, key), unknown("stage", value, stages))
