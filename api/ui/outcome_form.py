"""The outcome buttons of a task page, and the form they post read back into the API's `OutcomeIn`.

One table says which outcomes exist, how they are labelled and which extra fields each asks
for; the page is drawn from it and the posted form is checked against it, so the two agree.
The API accepts a `not_now` without a date or a `lost` without a reason; the page asks for them
because marketing needs them (when to come back, why leads fail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from api.task_schemas import OutcomeIn
from definitions.vocabulary import PROGRESS_OUTCOMES


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Literal["text", "date", "email"]
    required: bool = False
    placeholder: str = ""


@dataclass(frozen=True)
class OutcomeChoice:
    kind: str
    label: str
    hint: str
    tone: Literal["good", "neutral", "bad"]
    fields: tuple[FieldSpec, ...] = ()

    @property
    def closes_task(self) -> bool:
        return self.kind not in PROGRESS_OUTCOMES


_REASON = FieldSpec("reason", "Reason", "text", True, "e.g. no budget this year")
_BANT = tuple(
    FieldSpec(name, name.capitalize(), "text", False, placeholder)
    for name, placeholder in (
        ("budget", "e.g. approved for Q3"),
        ("authority", "e.g. the COO signs"),
        ("need", "e.g. 3,000 tickets a month"),
        ("timeline", "e.g. live before the peak season"),
    )
)
CHOICES: tuple[OutcomeChoice, ...] = (
    OutcomeChoice("contacted", "Contacted", "You reached them; the task stays open.", "neutral"),
    OutcomeChoice(
        "meeting_booked", "Meeting booked", "A meeting is set; the task stays open.", "good"
    ),
    OutcomeChoice("qualified", "Qualified", "Budget, authority, need, timeline.", "good", _BANT),
    OutcomeChoice(
        "not_now",
        "Not now",
        "Back to marketing until the date they gave.",
        "neutral",
        (FieldSpec("until", "Come back on", "date", True),),
    ),
    OutcomeChoice(
        "wrong_person",
        "Wrong person",
        "Nurture the right contact instead.",
        "neutral",
        (
            FieldSpec("contact_email", "Right person's e-mail", "email", True, "name@company.com"),
            FieldSpec("contact_first_name", "First name", "text"),
            FieldSpec("contact_company", "Company", "text"),
        ),
    ),
    OutcomeChoice(
        "disqualified", "Disqualified", "Not a fit; tell marketing why.", "bad", (_REASON,)
    ),
    OutcomeChoice("won", "Won", "The deal is signed.", "good"),
    OutcomeChoice("lost", "Lost", "Back to nurturing; tell marketing why.", "bad", (_REASON,)),
)
_BY_KIND = {choice.kind: choice for choice in CHOICES}


class OutcomeFormError(ValueError):
    """What to tell the salesperson about a form that cannot be recorded."""


def choice_of(kind: str) -> OutcomeChoice | None:
    return _BY_KIND.get(kind)


def outcome_from_form(form: Mapping[str, str]) -> OutcomeIn:
    """The API's request body for the outcome a task page posted; only its own fields count."""
    choice = choice_of(form.get("outcome", ""))
    if choice is None:
        raise OutcomeFormError("choose one of the outcome buttons")
    values = {spec.name: form.get(spec.name, "").strip() for spec in choice.fields}
    missing = [
        spec.label.lower() for spec in choice.fields if spec.required and not values[spec.name]
    ]
    if missing:
        raise OutcomeFormError(f"“{choice.label}” needs: {', '.join(missing)}")
    body: dict[str, Any] = {"outcome": choice.kind}
    if note := form.get("note", "").strip():
        body["note"] = note
    if values.get("reason"):
        body["reason"] = values["reason"]
    if values.get("until"):
        body["until"] = values["until"]
    bant = {spec.name: values[spec.name] for spec in _BANT if values.get(spec.name)}
    if bant:
        body["bant"] = bant
    if values.get("contact_email"):
        body["new_contact"] = {
            "email": values["contact_email"],
            **({"first_name": v} if (v := values.get("contact_first_name")) else {}),
            **({"company": v} if (v := values.get("contact_company")) else {}),
        }
    try:
        return OutcomeIn.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc']) or 'outcome'}: "
            f"{detail['msg'].removeprefix('Value error, ')}"
            for detail in error.errors(include_url=False)
        )
        raise OutcomeFormError(f"the outcome cannot be recorded: {problems}") from error
