"""A journey's rules, goals and sequence steps in words, for people reading a journey page.

Pure: a definition in, short phrases out ("score reaches 10,000", "move to Offer"). The
diagram uses the step phrases inside its stage boxes; the journey page lists the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from definitions.durations import format_duration
from definitions.model import (
    Action,
    AddPoints,
    Complete,
    CreateTask,
    EnrollNewContact,
    Goal,
    Guard,
    HandOff,
    JourneyDefinition,
    MarkAction,
    MoveTo,
    Pause,
    Rule,
    SendAction,
    SendStep,
    Sequence,
    Split,
    SplitSpec,
    SplitStep,
    Step,
    StopSequence,
    TaskSpec,
    Trigger,
    WaitFor,
    WaitForStep,
    WaitStep,
)


@dataclass(frozen=True)
class RuleWords:
    id: str
    description: str | None
    when: str
    conditions: list[str]
    actions: list[str]
    after: str | None
    once: bool


@dataclass(frozen=True)
class GoalWords:
    id: str
    description: str | None
    when: str
    then: str


class Words:
    """Phrases for one definition: stage and content ids are shown by their names."""

    def __init__(self, definition: JourneyDefinition) -> None:
        self._stages = {stage.id: stage.name or stage.id for stage in definition.stages}
        self._titles = {item.id: item.title for item in definition.content}

    def stage(self, stage_id: str) -> str:
        return self._stages.get(stage_id, stage_id)

    def _stages_or(self, stage_ids: list[str]) -> str:
        return " or ".join(self.stage(stage_id) for stage_id in stage_ids)

    def _content(self, content_id: str) -> str:
        title = self._titles.get(content_id)
        return f"“{title}” ({content_id})" if title else content_id

    def trigger(self, trigger: Trigger) -> str:
        if trigger.score_at_least is not None:
            return f"score reaches {trigger.score_at_least:,}"
        if trigger.inactive_for is not None:
            return f"no activity for {format_duration(trigger.inactive_for)}"
        return self._event(trigger)

    def _event(self, trigger: Trigger) -> str:
        match trigger.event:
            case "content_consumed":
                if trigger.content:
                    return f"reads {self._content(trigger.content)}"
                if trigger.content_stage:
                    return f"reads any {self.stage(trigger.content_stage)} content"
                return "reads any content"
            case "form_submitted":
                return f"submits form {trigger.form}" if trigger.form else "submits any form"
            case "email_replied":
                return "replies to an e-mail"
            case "out_of_office":
                if trigger.alternate_contact is True:
                    return "sends an out-of-office reply naming someone else"
                return "sends an out-of-office reply"
            case "channel_contact":
                channel = trigger.channel or "another channel"
                return f"gets in touch through {channel}"
            case "unsubscribed":
                return "unsubscribes"
            case "email_bounced":
                return "an e-mail bounces"
            case "sales_outcome":
                return (
                    f"sales reports {trigger.outcome}" if trigger.outcome else "sales reports back"
                )
            case "content_sent":
                return (
                    f"{self._content(trigger.content)} is sent" if trigger.content else "any send"
                )
            case "stage_entered":
                return f"enters {self.stage(trigger.stage)}" if trigger.stage else "enters a stage"
            case "resurfaced":
                return "the date sales gave with “not now” comes"
        return "never"  # a trigger with no kind is rejected at load; kept total for typing

    def guard(self, guard: Guard | None) -> list[str]:
        if guard is None:
            return []
        words = []
        if guard.stage_in:
            words.append(f"stage is {self._stages_or(guard.stage_in)}")
        if guard.stage_not_in:
            words.append(f"stage is not {self._stages_or(guard.stage_not_in)}")
        for label, values in (
            ("temperature", guard.temperature_in),
            ("lifecycle", guard.lifecycle_in),
            ("status", guard.status_in),
        ):
            if values:
                words.append(f"{label} is {' or '.join(v.replace('_', ' ') for v in values)}")
        if guard.min_score is not None:
            words.append(f"score is at least {guard.min_score:,}")
        if guard.max_score is not None:
            words.append(f"score is at most {guard.max_score:,}")
        return words

    def action(self, action: Action) -> str:
        match action:
            case AddPoints(add_points=points):
                return f"add {points:,} points" if points >= 0 else f"take {-points:,} points"
            case MoveTo(move_to=stage_id):
                return f"move to {self.stage(stage_id)}"
            case MarkAction(mark=mark):
                marks = [value for value in (mark.lifecycle, mark.temperature) if value]
                return f"mark as {', '.join(marks)}"
            case HandOff(handoff=spec):
                return f"hand off to sales: {_task(spec)}"
            case CreateTask(task=spec):
                return f"create a task: {_task(spec)}"
            case SendAction(send=content_id):
                return f"send {self._content(content_id)}"
            case StopSequence():
                return "stop the sequence"
            case Pause(pause=length):
                return f"pause for {format_duration(length)}"
            case Complete(complete=why):
                return f"end the journey ({why})"
            case EnrollNewContact(enroll_new_contact=spec):
                where = f"journey {spec.journey}" if spec.journey else "this journey"
                return f"enrol the contact sales named in {where}"
            case Split(split=spec):
                return self.split(spec)
        raise AssertionError(f"unknown action {action!r}")  # pragma: no cover

    def split(self, spec: SplitSpec) -> str:
        branches = [
            f"{branch.percent}% {branch.variant}"
            + (f" ({'; '.join(self.action(a) for a in branch.do)})" if branch.do else "")
            for branch in spec.branches
        ]
        return f"A/B test {spec.id}: " + ", ".join(branches)

    def rule(self, rule: Rule) -> RuleWords:
        return RuleWords(
            id=rule.id,
            description=rule.description,
            when=self.trigger(rule.when),
            conditions=self.guard(rule.if_),
            actions=[self.action(action) for action in rule.do],
            after=format_duration(rule.after) if rule.after else None,
            once=rule.fires_once,
        )

    def goal(self, goal: Goal) -> GoalWords:
        condition = goal.when
        if condition.is_event:
            when = self.trigger(condition.as_trigger())
        else:
            facts = []
            if condition.score_at_least is not None:
                facts.append(f"score reaches {condition.score_at_least:,}")
            if condition.stage is not None:
                facts.append(f"in {self.stage(condition.stage)}")
            if condition.lifecycle is not None:
                facts.append(f"lifecycle is {condition.lifecycle}")
            when = " and ".join(facts)
        then = "end the journey" if goal.then == "complete" else self.action(goal.then)
        return GoalWords(id=goal.id, description=goal.description, when=when, then=then)


def _task(spec: TaskSpec) -> str:
    details = [
        f"queue {spec.queue}" if spec.queue else None,
        f"for {spec.assignee}" if spec.assignee else None,
        f"SLA {format_duration(spec.sla)}" if spec.sla else None,
    ]
    shown = ", ".join(detail for detail in details if detail)
    return f"“{spec.title}”" + (f" ({shown})" if shown else "")


def step_parts(step: Step) -> tuple[str, str]:
    """(kind, what) for one sequence step, short enough for a diagram box."""
    match step:
        case SendStep(send=content_id):
            return "send", content_id
        case WaitStep(wait=length):
            return "wait", format_duration(length)
        case WaitForStep(wait_for=awaited):
            return "wait for", _awaited(awaited)
        case SplitStep(split=spec):
            return "split", f"{spec.id} ({len(spec.branches)} branches)"
    raise AssertionError(f"unknown step {step!r}")  # pragma: no cover


def _awaited(awaited: WaitFor) -> str:
    what = awaited.content or awaited.form or awaited.event.replace("_", " ")
    return f"{what}, up to {format_duration(awaited.timeout)}"


def then_words(sequence: Sequence) -> str:
    if sequence.then == "end":
        return "then wait for events"
    if sequence.then == "loop":
        return "then start again"
    return f"then rule {sequence.then.rule}"
