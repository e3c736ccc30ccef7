"""Cutting a prospect's identifiers out of the rows an erasure keeps."""

from __future__ import annotations

from nurture.personal_data import PSEUDONYM_PREFIX, PersonalData, new_pseudonym
from nurture.tables import ProspectRecord
from workflows.contract import journey_workflow_id

ADA = ProspectRecord(
    id="crm-1042",
    email="Ada.Byron@Analytical.example",
    first_name="Ada",
    company="Engines Ltd",
    attributes={"country": "PL", "phone": "+48 600 100 200", "seats": 12},
)
PERSON = PersonalData.of(ADA, pseudonym="erased-abc")


def test_a_bounce_diagnostic_loses_the_address_whatever_its_case() -> None:
    reason = "bounced: 550 5.1.1 <ada.byron@analytical.example>: user unknown"

    assert PERSON.scrub(reason) == "bounced: 550 5.1.1 <[erased]>: user unknown"


def test_name_company_id_and_attribute_values_are_cut_out_as_whole_words_only() -> None:
    text = "Call Ada at Engines Ltd (crm-1042, +48 600 100 200); Adaptive plans. PL stays"

    assert PERSON.scrub(text) == (
        "Call [erased] at [erased] ([erased], [erased]); Adaptive plans. PL stays"
    )


def test_json_is_scrubbed_inside_and_keeps_its_shape() -> None:
    value = {"to": ["ada.byron@analytical.example"], "Ada": {"n": 3, "who": "ada"}}

    assert PERSON.scrub_json(value) == {"to": ["[erased]"], "[erased]": {"n": 3, "who": "[erased]"}}


def test_workflow_ids_and_command_keys_get_the_pseudonym() -> None:
    old = journey_workflow_id("b2b", "crm-1042")

    assert PERSON.workflow_id(old) == journey_workflow_id("b2b", "erased-abc")
    assert PERSON.command_key("b2b/crm-1042/20250101T000000000000/send-3") == (
        "b2b/erased-abc/20250101T000000000000/send-3"
    )


def test_pseudonyms_are_random() -> None:
    first, second = new_pseudonym(), new_pseudonym()

    assert first != second
    assert first.startswith(PSEUDONYM_PREFIX) and len(first) > len(PSEUDONYM_PREFIX) + 16
