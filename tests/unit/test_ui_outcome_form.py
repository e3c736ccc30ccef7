"""The outcome buttons: one per sales outcome, and the form they post read into `OutcomeIn`."""

from __future__ import annotations

from datetime import date

import pytest

from api.ui.outcome_form import CHOICES, OutcomeFormError, outcome_from_form
from definitions.vocabulary import PROGRESS_OUTCOMES, SALES_OUTCOMES


def test_there_is_one_button_per_outcome_the_api_accepts() -> None:
    assert [choice.kind for choice in CHOICES] == list(SALES_OUTCOMES)
    assert {c.kind for c in CHOICES if not c.closes_task} == PROGRESS_OUTCOMES


def test_a_plain_outcome_with_a_note() -> None:
    body = outcome_from_form({"outcome": "won", "note": "  signed the annual plan "})

    assert body.model_dump(exclude_none=True) == {
        "outcome": "won",
        "note": "signed the annual plan",
    }


@pytest.mark.parametrize(
    ("form", "needs"),
    [
        ({"outcome": "not_now"}, "come back on"),
        ({"outcome": "disqualified", "reason": "  "}, "reason"),
        ({"outcome": "lost"}, "reason"),
        ({"outcome": "wrong_person", "contact_first_name": "Eva"}, "right person's e-mail"),
    ],
)
def test_outcomes_that_need_more_say_what_is_missing(form: dict[str, str], needs: str) -> None:
    with pytest.raises(OutcomeFormError, match=needs):
        outcome_from_form(form)


def test_extra_fields_become_the_api_fields_and_other_outcomes_fields_are_ignored() -> None:
    not_now = outcome_from_form({"outcome": "not_now", "until": "2030-01-15", "reason": "stray"})
    wrong = outcome_from_form(
        {"outcome": "wrong_person", "contact_email": "ceo@shop.example", "contact_company": "Shop"}
    )
    qualified = outcome_from_form({"outcome": "qualified", "budget": "approved", "need": ""})

    assert (not_now.until, not_now.reason) == (date(2030, 1, 15), None)
    assert wrong.new_contact is not None
    assert (wrong.new_contact.email, wrong.new_contact.company) == ("ceo@shop.example", "Shop")
    assert qualified.bant is not None
    assert qualified.bant.model_dump(exclude_none=True) == {"budget": "approved"}


def test_what_the_api_model_refuses_is_a_form_error_not_a_crash() -> None:
    with pytest.raises(OutcomeFormError, match=r"new_contact\.email"):
        outcome_from_form({"outcome": "wrong_person", "contact_email": "not-an-address"})
    with pytest.raises(OutcomeFormError, match="choose one of the outcome buttons"):
        outcome_from_form({"outcome": "maybe"})
