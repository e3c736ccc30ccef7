"""The journey definition: the typed form of a journey file.

Structure only lives here; cross-references (unknown stage, content outside its band, template
that does not compile, …) are checked in `definitions.validator`, so that every error in a file
is reported at once with its path instead of stopping at the first.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from definitions.base import Slug, Strict
from definitions.durations import Duration
from definitions.settings import Defaults, ReEntry, Sales, Scoring, Sender, Sending
from definitions.vocabulary import Lifecycle, SalesOutcomeKind, Temperature, TriggerEventType

# Points a band, an item or an action may name. Far above the article's 10,000-point bonus, and
# low enough that a score, summed from them, stays a long way inside the database's integer
# (a score it cannot store would fail the journey's projection on every retry).
MAX_POINTS = 1_000_000
Points = Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]


class Stage(Strict):
    id: Slug
    name: str | None = None
    points: tuple[Points, Points] = Field(
        description="The band [min, max] of points that this stage's content may award."
    )

    @field_validator("points")
    @classmethod
    def _band_is_ordered(cls, band: tuple[int, int]) -> tuple[int, int]:
        low, high = band
        if low < 0 or high < low:
            raise ValueError(f"the band must be [min, max] with 0 <= min <= max, got {list(band)}")
        return band


class EmailTemplate(Strict):
    # Templates are untrusted input: their size is bounded here, their rendering in
    # `definitions.render_limits`.
    subject: str = Field(min_length=1, max_length=1_000)
    body: str = Field(
        min_length=1,
        max_length=200_000,
        description="HTML body, a Jinja2 template (autoescaped).",
    )
    text: str | None = Field(
        default=None,
        max_length=200_000,
        description="Plain-text body; derived from the HTML body when omitted.",
    )


class ContentItem(Strict):
    id: Slug
    stage: str
    title: str
    points: int = Field(ge=0, le=MAX_POINTS)
    link: str = Field(pattern=r"^https?://", description="Where a tracked click lands.")
    email: EmailTemplate


class SendStep(Strict):
    id: Slug | None = None
    send: str


class WaitStep(Strict):
    id: Slug | None = None
    wait: Duration


class WaitFor(Strict):
    event: TriggerEventType
    content: str | None = None
    form: str | None = None
    timeout: Duration
    on_event: str = Field(default="next", description="`next`, `end` or the id of a step.")
    on_timeout: str = Field(default="next", description="`next`, `end` or the id of a step.")


class WaitForStep(Strict):
    id: Slug | None = None
    wait_for: WaitFor


class SplitStep(Strict):
    """Send prospects down one of several branches (an A/B test) and go on with the sequence."""

    id: Slug | None = None
    split: SplitSpec


def _step_kind(raw: Any) -> str | None:
    # Anything but a mapping or a model (a bare number, a list) has no kind: pydantic says so.
    keys = raw.keys() if isinstance(raw, dict) else getattr(raw, "__dict__", {}).keys()
    for kind in ("send", "wait_for", "wait", "split"):
        if kind in keys:
            return kind
    return None


Step = Annotated[
    Annotated[SendStep, Tag("send")]
    | Annotated[WaitStep, Tag("wait")]
    | Annotated[WaitForStep, Tag("wait_for")]
    | Annotated[SplitStep, Tag("split")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step is one of `send: <content id>`, `wait: <duration>`, "
        "`wait_for: {event, timeout, ...}` or `split: {id, branches}`",
    ),
]


class HandOverToRule(Strict):
    rule: str


class Sequence(Strict):
    steps: list[Step] = Field(min_length=1)
    then: Literal["end", "loop"] | HandOverToRule = Field(
        default="end",
        description="After the last step: `end` (stay in the stage, waiting for events), "
        "`loop` (start again; needs a wait) or `{rule: <id>}` (run that rule's actions).",
    )


class Trigger(Strict):
    """What makes a rule fire: one event (optionally narrowed), a score, or inactivity."""

    event: TriggerEventType | None = None
    content: str | None = None
    content_stage: str | None = None
    form: str | None = None
    channel: str | None = None
    stage: str | None = Field(default=None, description="For `stage_entered`: which stage.")
    outcome: SalesOutcomeKind | None = Field(
        default=None, description="For `sales_outcome`: which outcome."
    )
    alternate_contact: bool | None = Field(
        default=None,
        description="For `out_of_office`: true matches only autoreplies naming someone else.",
    )
    score_at_least: int | None = None
    inactive_for: Duration | None = None


class Guard(Strict):
    """Extra conditions on the prospect, all of which must hold for a rule to fire."""

    stage_in: list[str] | None = None
    stage_not_in: list[str] | None = None
    temperature_in: list[Temperature] | None = None
    lifecycle_in: list[Lifecycle] | None = None
    status_in: list[Literal["active", "paused", "handed_off"]] | None = None
    min_score: int | None = None
    max_score: int | None = None


class Mark(Strict):
    lifecycle: Lifecycle | None = None
    temperature: Temperature | None = None


class TaskSpec(Strict):
    title: str = Field(min_length=1)
    queue: str | None = None
    assignee: str | None = None
    sla: Duration | None = None
    description: str | None = None


class AddPoints(Strict):
    add_points: Points


class MoveTo(Strict):
    move_to: str


class MarkAction(Strict):
    mark: Mark


class HandOff(Strict):
    handoff: TaskSpec


class CreateTask(Strict):
    task: TaskSpec


class SendAction(Strict):
    send: str


class StopSequence(Strict):
    stop_sequence: Literal[True]


class Pause(Strict):
    pause: Duration


class EnrollNewContactSpec(Strict):
    journey: str | None = Field(
        default=None, description="The journey to enrol them in; this journey when omitted."
    )


class EnrollNewContact(Strict):
    """Start nurturing the right person a salesperson named with a `wrong_person` outcome."""

    enroll_new_contact: EnrollNewContactSpec


class Complete(Strict):
    complete: str = Field(min_length=1, description="Why the journey ends here.")


class SplitBranch(Strict):
    variant: Slug
    percent: int = Field(ge=0, le=100)
    do: list[Action] = Field(
        default_factory=list, description="What this branch does; nothing for a control group."
    )


class SplitSpec(Strict):
    id: Slug = Field(description="Names the experiment; reports compare its variants.")
    branches: list[SplitBranch] = Field(min_length=2)


class Split(Strict):
    split: SplitSpec


_ACTION_KINDS = (
    "add_points",
    "move_to",
    "mark",
    "handoff",
    "task",
    "send",
    "stop_sequence",
    "pause",
    "complete",
    "enroll_new_contact",
    "split",
)


def _action_kind(raw: Any) -> str | None:
    # Anything but a mapping or a model (a bare number, a list) has no kind: pydantic says so.
    keys = raw.keys() if isinstance(raw, dict) else getattr(raw, "__dict__", {}).keys()
    return next((kind for kind in _ACTION_KINDS if kind in keys), None)


Action = Annotated[
    Annotated[AddPoints, Tag("add_points")]
    | Annotated[MoveTo, Tag("move_to")]
    | Annotated[MarkAction, Tag("mark")]
    | Annotated[HandOff, Tag("handoff")]
    | Annotated[CreateTask, Tag("task")]
    | Annotated[SendAction, Tag("send")]
    | Annotated[StopSequence, Tag("stop_sequence")]
    | Annotated[Pause, Tag("pause")]
    | Annotated[Complete, Tag("complete")]
    | Annotated[EnrollNewContact, Tag("enroll_new_contact")]
    | Annotated[Split, Tag("split")],
    Discriminator(
        _action_kind,
        custom_error_type="action_kind",
        custom_error_message="an action is one of: " + ", ".join(_ACTION_KINDS),
    ),
]


class Rule(Strict):
    id: Slug
    description: str | None = None
    when: Trigger
    if_: Guard | None = Field(default=None, alias="if")
    after: Duration | None = Field(
        default=None, description="Run the actions this long after the trigger, not at once."
    )
    once: bool | None = Field(
        default=None,
        description="Fire at most once per prospect. Defaults to true for score triggers and "
        "false for the others (an inactivity rule fires again after new activity).",
    )
    do: list[Action] = Field(min_length=1)

    @property
    def fires_once(self) -> bool:
        if self.once is not None:
            return self.once
        return self.when.score_at_least is not None


class GoalCondition(Strict):
    """An event (narrowed like a rule's trigger), or facts about the prospect that all hold."""

    event: TriggerEventType | None = None
    content: str | None = None
    content_stage: str | None = None
    form: str | None = None
    channel: str | None = None
    outcome: SalesOutcomeKind | None = None
    score_at_least: int | None = None
    stage: str | None = Field(
        default=None, description="With `event: stage_entered`, which stage; alone, being in it."
    )
    lifecycle: Lifecycle | None = None

    @property
    def is_event(self) -> bool:
        return self.event is not None

    def as_trigger(self) -> Trigger:
        return Trigger(
            event=self.event,
            content=self.content,
            content_stage=self.content_stage,
            form=self.form,
            channel=self.channel,
            outcome=self.outcome,
            stage=self.stage,
        )


class Goal(Strict):
    """An exit criterion: checked after everything that happens, wherever the prospect is."""

    id: Slug
    description: str | None = None
    when: GoalCondition
    then: Literal["complete"] | MoveTo = Field(
        default="complete", description="`complete` ends the journey; `{move_to: stage}` jumps."
    )


# Versions are stored in a 32-bit INTEGER column (PostgreSQL's `integer`); a larger one could
# not be published or looked up.
MAX_VERSION = 2**31 - 1


class JourneyDefinition(Strict):
    journey: Slug = Field(description="The journey's id, stable across versions.")
    name: str
    version: int | None = Field(
        default=None, ge=1, le=MAX_VERSION, description="Assigned on publish when omitted."
    )
    description: str | None = None
    sender: Sender
    defaults: Defaults = Field(default_factory=Defaults)
    stages: list[Stage] = Field(min_length=1)
    content: list[ContentItem] = Field(default_factory=list)
    sequences: dict[str, Sequence] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    sales: Sales = Field(default_factory=Sales)
    sending: Sending = Field(default_factory=Sending)
    scoring: Scoring = Field(default_factory=Scoring)
    re_entry: ReEntry = Field(default_factory=ReEntry)

    # Lookups used by the interpreter; definitions are frozen so these never go stale.
    def stage_index(self, stage_id: str) -> int:
        return next(i for i, stage in enumerate(self.stages) if stage.id == stage_id)

    def find_content(self, content_id: str | None) -> ContentItem | None:
        return next((item for item in self.content if item.id == content_id), None)

    def content_item(self, content_id: str) -> ContentItem:
        item = self.find_content(content_id)
        if item is None:
            raise KeyError(f"no content {content_id!r} in journey {self.journey!r}")
        return item

    def rule(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)

    @property
    def first_stage(self) -> str:
        return self.stages[0].id


SplitBranch.model_rebuild()
