"""Alternate contacts named in absence notices and replies."""

from __future__ import annotations

import pytest

from inbound.contacts import AlternateContact, alternate_contact

SENDER = "jan@firma.pl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "For urgent matters please contact Anna Kowalska at anna.kowalska@firma.pl.",
            AlternateContact("Anna Kowalska", "anna.kowalska@firma.pl", None),
        ),
        (
            "W pilnych sprawach proszę kontaktować się z Anną Kowalską "
            "(anna.kowalska@firma.pl, tel. +48 600 100 200).",
            AlternateContact("Anna Kowalska", "anna.kowalska@firma.pl", "+48 600 100 200"),
        ),
        (
            "W pilnych sprawach proszę o kontakt z Piotrem Nowakiem: piotr.nowak@firma.pl",
            AlternateContact("Piotr Nowak", "piotr.nowak@firma.pl", None),
        ),
        (
            "In dringenden Fällen wenden Sie sich bitte an meine Kollegin Frau Anna Schmidt "
            "unter anna.schmidt@firma.de oder +49 30 1234567.",
            AlternateContact("Anna Schmidt", "anna.schmidt@firma.de", "+49 30 1234567"),
        ),
        (
            "Vertretung: Hans Meier, hans.meier@firma.de, Tel. 030 123 45 67",
            AlternateContact("Hans Meier", "hans.meier@firma.de", "030 123 45 67"),
        ),
        (
            "Zastępstwo: Piotr Nowak, piotr.nowak@firma.pl",
            AlternateContact("Piotr Nowak", "piotr.nowak@firma.pl", None),
        ),
        (
            "In urgent cases please call my colleague John Smith on +44 20 7946 0000.",
            AlternateContact("John Smith", None, "+44 20 7946 0000"),
        ),
        (
            "Please contact our office at office@firma.pl.",
            AlternateContact(None, "office@firma.pl", None),
        ),
    ],
)
def test_contacts_are_read_after_their_trigger_words(text: str, expected: AlternateContact) -> None:
    assert alternate_contact(text, sender=SENDER) == expected


def test_no_trigger_words_no_contact() -> None:
    assert alternate_contact("Anna Kowalska, anna.kowalska@firma.pl", sender=SENDER) is None


def test_the_senders_own_address_is_skipped() -> None:
    text = "In urgent matters write to jan@firma.pl or to ewa@firma.pl."

    assert alternate_contact(text, sender=SENDER) == AlternateContact(None, "ewa@firma.pl", None)


def test_a_date_is_not_a_phone_number() -> None:
    text = "In urgent matters please contact Ewa Lis until 15.09.2026."

    assert alternate_contact(text, sender=SENDER) == AlternateContact("Ewa Lis", None, None)


@pytest.mark.parametrize(
    "text",
    [
        "Please call me at +48 600 100 200.",
        "Proszę o kontakt ze mną pod numerem 600 100 200.",
        "Kontaktieren Sie mich unter 030 1234567.",
    ],
)
def test_the_sender_asking_to_be_called_is_no_alternate_contact(text: str) -> None:
    assert alternate_contact(text, sender=SENDER) is None
