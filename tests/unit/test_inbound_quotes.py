"""Quoted history, signatures and disclaimers are cut from the new text."""

from __future__ import annotations

import pytest

from inbound.quotes import new_text, strip_history, strip_signature

HISTORY = "Our offer, valid until 15.09. To unsubscribe click here."


@pytest.mark.parametrize(
    "attribution",
    [
        "On Wed, 19 Aug 2026 at 09:00, Sales <sales@us.example> wrote:",
        "On Wed, 19 Aug 2026 at 09:00, Sales <\nsales@us.example> wrote:",
        "W dniu 19.08.2026 o 09:00, Sales <sales@us.example> pisze:",
        "Dnia 19.08.2026 o 09:00 Sales napisał(a):",
        "Am 19.08.2026 um 09:00 schrieb Sales <sales@us.example>:",
        "Sales <sales@us.example> schrieb am 19.08.2026 09:00:",
        "-----Original Message-----",
        "----- Ursprüngliche Nachricht -----",
        "-----Wiadomość oryginalna-----",
        "---------- Forwarded message ---------",
        "From: Sales <sales@us.example>\nSent: Wednesday, August 19, 2026 9:00 AM\nTo: Bob",
        "Od: Sales <sales@us.example>\nWysłano: środa, 19 sierpnia 2026 09:00\nDo: Bob",
        "Von: Sales <sales@us.example>\nGesendet: Mittwoch, 19. August 2026 09:00\nAn: Bob",
    ],
)
def test_history_starts_at_an_attribution_or_header_block(attribution: str) -> None:
    text = f"Sounds good, call me on Monday.\n\n{attribution}\n{HISTORY}"

    assert strip_history(text) == "Sounds good, call me on Monday."


def test_quoted_lines_are_dropped_but_answers_between_them_stay() -> None:
    text = "> Would Monday suit you?\nYes, Monday is fine.\n> Which office?\nWarsaw."

    assert strip_history(text) == "Yes, Monday is fine.\nWarsaw."


def test_a_sentence_starting_with_on_is_not_an_attribution() -> None:
    text = "On Monday I will call you.\n\nBest,\nBob"

    assert strip_history(text) == text


def test_an_outlook_from_line_without_a_header_block_is_kept() -> None:
    text = "From: my side, all fine.\nThanks for asking."

    assert strip_history(text) == text


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nBob Smith\nCEO, +48 600 100 200",
        "Best regards,\nBob Smith",
        "Pozdrawiam\nJan Kowalski",
        "Mit freundlichen Grüßen\nHans Müller",
        "Sent from my iPhone",
        "This e-mail and any attachments are confidential. Valid until 31.12.2026.",
        "Ta wiadomość jest poufna.",
    ],
)
def test_signatures_and_disclaimers_are_cut(signature: str) -> None:
    assert strip_signature(f"Let's talk on Monday.\n\n{signature}") == "Let's talk on Monday."


def test_a_lone_thanks_is_the_message_not_a_signature() -> None:
    assert strip_signature("Thanks!") == "Thanks!"


def test_new_text_cuts_both_history_and_signature() -> None:
    text = "Please remove me.\n--\nBob\n\nOn Mon, 1 Jan 2026, Sales <s@x.example> wrote:\n> hi"

    assert new_text(text) == "Please remove me."
