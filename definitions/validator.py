"""Cross-reference checks a schema cannot express, so no journey fails while a prospect runs.

`validate` returns every problem it finds with its path in the document; the loader adds the
file name and the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import TemplateError

from definitions.action_walk import all_actions
from definitions.control_checks import check_goals, check_re_entry, check_splits
from definitions.cycles import immediate_move_cycles
from definitions.errors import PathPart
from definitions.model import (
    CreateTask,
    HandOff,
    HandOverToRule,
    JourneyDefinition,
    MoveTo,
    Rule,
    SendAction,
    SendStep,
    WaitForStep,
    WaitStep,
)
from definitions.problems import Problem, content_ids, duplicates, stage_ids, unknown
from definitions.templates import compile_error, render_email, sample_context
from definitions.trigger_checks import trigger

__all__ = ["Problem", "validate"]


def validate(definition: JourneyDefinition) -> list[Problem]:
    checks = (
        _duplicate_ids,
        _timezone,
        _content,
        _templates,
        _sequences,
        _rules,
        _actions,
        _reply_is_handled,
        _cycles,
        _queues,
        check_goals,
        check_splits,
        check_re_entry,
    )
    return [problem for check in checks for problem in check(definition)]


def _duplicate_ids(definition: JourneyDefinition) -> Iterator[Problem]:
    sections: dict[str, list[str]] = {
        "stages": [stage.id for stage in definition.stages],
        "content": [item.id for item in definition.content],
        "rules": [rule.id for rule in definition.rules],
    }
    for section, ids in sections.items():
        repeated = duplicates(ids)
        for position, item_id in enumerate(ids):
            if item_id in repeated:
                yield Problem((section, position, "id"), f"duplicate id {item_id!r}")
    for stage_id, sequence in definition.sequences.items():
        repeated = duplicates(step.id for step in sequence.steps)
        for position, step in enumerate(sequence.steps):
            if step.id in repeated:
                yield Problem(
                    ("sequences", stage_id, "steps", position, "id"),
                    f"duplicate step id {step.id!r}",
                )


def _timezone(definition: JourneyDefinition) -> Iterator[Problem]:
    try:
        ZoneInfo(definition.defaults.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        yield Problem(
            ("defaults", "timezone"),
            f"unknown time zone {definition.defaults.timezone!r} (use an IANA name such as "
            "'Europe/Warsaw')",
        )


def _content(definition: JourneyDefinition) -> Iterator[Problem]:
    bands = {stage.id: stage.points for stage in definition.stages}
    for position, item in enumerate(definition.content):
        if item.stage not in bands:
            yield Problem(("content", position, "stage"), unknown("stage", item.stage, bands))
            continue
        low, high = bands[item.stage]
        if not low <= item.points <= high:
            yield Problem(
                ("content", position, "points"),
                f"{item.points} points is outside stage {item.stage!r}'s band [{low}, {high}]",
            )


def _templates(definition: JourneyDefinition) -> Iterator[Problem]:
    for position, item in enumerate(definition.content):
        parts = [("subject", item.email.subject, False), ("body", item.email.body, True)]
        if item.email.text is not None:
            parts.append(("text", item.email.text, False))
        broken = False
        for field, source, is_html in parts:
            error = compile_error(source, html_body=is_html)
            if error:
                broken = True
                yield Problem(("content", position, "email", field), error)
        if broken:
            continue
        try:
            render_email(item.email, sample_context(item, definition.journey, definition.name))
        except TemplateError as error:
            yield Problem(
                ("content", position, "email"),
                f"template fails to render with a sample prospect: {error}",
            )


def _sequences(definition: JourneyDefinition) -> Iterator[Problem]:
    stages, contents = stage_ids(definition), content_ids(definition)
    rules = {rule.id for rule in definition.rules}
    for stage_id, sequence in definition.sequences.items():
        base: tuple[PathPart, ...] = ("sequences", stage_id)
        if stage_id not in stages:
            yield Problem(base, unknown("stage", stage_id, stages))
        step_ids = {step.id for step in sequence.steps if step.id}
        targets = step_ids | {"next", "end"}
        for position, step in enumerate(sequence.steps):
            path = (*base, "steps", position)
            if isinstance(step, SendStep) and step.send not in contents:
                yield Problem((*path, "send"), unknown("content", step.send, contents))
            if isinstance(step, WaitForStep):
                wait_for = step.wait_for
                if wait_for.content is not None and wait_for.content not in contents:
                    yield Problem(
                        (*path, "wait_for", "content"),
                        unknown("content", wait_for.content, contents),
                    )
                for branch in ("on_event", "on_timeout"):
                    target = getattr(wait_for, branch)
                    if target not in targets:
                        yield Problem(
                            (*path, "wait_for", branch),
                            f"{target!r} is not `next`, `end` or a step id of this sequence "
                            f"({', '.join(sorted(step_ids)) or 'none have ids'})",
                        )
        if isinstance(sequence.then, HandOverToRule) and sequence.then.rule not in rules:
            yield Problem((*base, "then", "rule"), unknown("rule", sequence.then.rule, rules))
        if sequence.then == "loop" and not any(
            isinstance(step, WaitStep | WaitForStep) for step in sequence.steps
        ):
            yield Problem((*base, "then"), "a looping sequence needs a `wait` or `wait_for` step")


def _rules(definition: JourneyDefinition) -> Iterator[Problem]:
    for position, rule in enumerate(definition.rules):
        yield from trigger(definition, rule.when, ("rules", position, "when"))
        yield from _guard(definition, rule, ("rules", position, "if"))


def _guard(
    definition: JourneyDefinition, rule: Rule, path: tuple[PathPart, ...]
) -> Iterator[Problem]:
    if rule.if_ is None:
        return
    stages = stage_ids(definition)
    for key in ("stage_in", "stage_not_in"):
        for position, stage in enumerate(getattr(rule.if_, key) or []):
            if stage not in stages:
                yield Problem((*path, key, position), unknown("stage", stage, stages))


def _actions(definition: JourneyDefinition) -> Iterator[Problem]:
    stages, contents = stage_ids(definition), content_ids(definition)
    for action, where in all_actions(definition):
        if isinstance(action, MoveTo) and action.move_to not in stages:
            yield Problem((*where, "move_to"), unknown("stage", action.move_to, stages))
        if isinstance(action, SendAction) and action.send not in contents:
            yield Problem((*where, "send"), unknown("content", action.send, contents))


def _reply_is_handled(definition: JourneyDefinition) -> Iterator[Problem]:
    # A genuine reply stops the sequence; without a rule nobody would ever read it.
    if not any(rule.when.event == "email_replied" for rule in definition.rules):
        yield Problem(
            ("rules",),
            "no rule handles `email_replied`: a genuine reply stops the sequence, so add a rule "
            "that hands off or creates a task (e.g. when: {event: email_replied}, "
            "do: [{handoff: {title: ...}}])",
        )


def _cycles(definition: JourneyDefinition) -> Iterator[Problem]:
    for cycle in immediate_move_cycles(definition):
        yield Problem(
            ("sequences", cycle[0]) if cycle[0] in definition.sequences else ("rules",),
            "a cycle of immediate moves with no wait: " + " -> ".join([*cycle, cycle[0]]),
        )


def _queues(definition: JourneyDefinition) -> Iterator[Problem]:
    queues = definition.sales.queues
    for position, queue in enumerate(queues):
        path: tuple[PathPart, ...] = ("sales", "queues", position)
        for index, member in enumerate(queue.members):
            if "@" not in member:
                yield Problem((*path, "members", index), f"{member!r} is not an e-mail address")
        for value, member in queue.routes.items():
            if member not in queue.members:
                yield Problem((*path, "routes", value), unknown("member", member, queue.members))
        for index, step in enumerate(queue.escalation):
            if step.do == "notify_manager" and queue.manager is None:
                yield Problem(
                    (*path, "escalation", index, "do"),
                    "`notify_manager` needs the queue's `manager`",
                )
            if step.do == "reassign" and len(queue.members) < 2:
                yield Problem(
                    (*path, "escalation", index, "do"),
                    "`reassign` needs at least two members to pass the task on to",
                )
        steps = [step.after for step in queue.escalation]
        if steps != sorted(steps):
            yield Problem((*path, "escalation"), "escalation steps must be in order of `after`")
    if not queues:
        return  # without configured queues a queue name only labels the task
    known = [queue.id for queue in queues]
    for action, path in all_actions(definition):
        spec = (
            action.handoff
            if isinstance(action, HandOff)
            else action.task
            if isinstance(action, CreateTask)
            else None
        )
        if spec is not None and spec.queue is not None and spec.queue not in known:
            key = "handoff" if isinstance(action, HandOff) else "task"
            yield Problem((*path, key, "queue"), unknown("queue", spec.queue, known))
