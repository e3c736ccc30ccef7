"""Kinds, precedence and the fields of a classification."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from inbound.classify import AlternateContact, classify
from inbound.message import InboundMessage, parse_message

SENT = "Thu, 20 Aug 2026 10:00:00 +0200"
OUR_HISTORY = (
    "\n\nOn Wed, 19 Aug 2026 at 09:00, Sales <sales@us.example> wrote:\n"
    "> Our webinar is on 15.10. Not interested? Unsubscribe here.\n"
)


def message(body: str, *, subject: str = "Re: Offer", headers: str = "") -> InboundMessage:
    raw = (
        f"From: Jan Kowalski <jan@firma.pl>\nTo: sales@us.example\nSubject: {subject}\n"
        f"Date: {SENT}\nMessage-ID: <r1@firma.pl>\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    )
    return parse_message(raw.encode())


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied\n",
        "X-Autoreply: yes\n",
        "X-Autorespond: Out of office\n",
        "Precedence: auto_reply\n",
    ],
)
def test_autoreply_headers(header: str) -> None:
    result = classify(message("Thank you for your e-mail.", headers=header))

    assert result.kind == "autoreply"
    assert header.split(":")[0] in result.reason


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Offer",
        "Out of Office: Offer",
        "Automatyczna odpowiedź: Oferta",
        "Abwesenheitsnotiz: Angebot",
        "Automatische Antwort: Angebot",
    ],
)
def test_autoreply_subjects(subject: str) -> None:
    assert classify(message("Thank you for your e-mail.", subject=subject)).kind == "autoreply"


def test_a_person_replying_to_an_out_of_office_subject_is_a_reply() -> None:
    result = classify(message("Sure, let's talk then.", subject="Re: Out of Office: Offer"))

    assert result.kind == "reply"


def test_auto_submitted_no_is_a_person() -> None:
    result = classify(message("Sounds good.", headers="Auto-Submitted: no\n"))

    assert result.kind == "reply"


def test_outlook_suppress_header_alone_is_a_person() -> None:
    result = classify(message("Sounds good.", headers="X-Auto-Response-Suppress: All\n"))

    assert result.kind == "reply"


@pytest.mark.parametrize(
    "body",
    [
        "I am out of the office until 15 September with limited access to e-mail.",
        "Dzień dobry, jestem na urlopie do 15 września. Odpowiem po powrocie.",
        "Ich bin bis 15. September nicht im Büro.",
    ],
)
def test_an_absence_notice_without_headers_is_an_autoreply(body: str) -> None:
    result = classify(message(body, subject="Offer"))

    assert result.kind == "autoreply"
    assert result.return_date == date(2026, 9, 15)


def test_a_reply_that_mentions_a_holiday_is_a_reply() -> None:
    body = "I'm on vacation next week but let's talk after 15 Sept. Could you send the pricing?"

    result = classify(message(body))

    assert result.kind == "reply"
    assert result.return_date is None


def test_the_return_date_and_reason_of_an_autoreply() -> None:
    result = classify(
        message("Jestem na urlopie do 15 września.", headers="Auto-Submitted: auto-replied\n")
    )

    assert result.return_date == date(2026, 9, 15)
    assert result.reason == (
        "header Auto-Submitted: auto-replied; return date from 'do 15 września'"
    )


def test_dates_in_quoted_history_and_signature_do_not_count() -> None:
    body = (
        "I am out of the office with limited access to e-mail.\n\n-- \nJan, valid until 1.10."
        + OUR_HISTORY
    )

    result = classify(message(body, headers="Auto-Submitted: auto-replied\n"))

    assert result.kind == "autoreply"
    assert result.return_date is None


def test_a_stale_autoreply_has_no_return_date() -> None:
    result = classify(
        message("I am on vacation until 1 August.", headers="Auto-Submitted: auto-replied\n")
    )

    assert result.kind == "autoreply"
    assert result.return_date is None
    assert "passed" in result.reason


def test_a_ticket_acknowledgement_is_an_autoreply() -> None:
    body = "We have received your request. Your ticket number is #48213."

    result = classify(message(body, subject="[Ticket #48213] Offer", headers="X-Zendesk-From: 1\n"))

    assert result.kind == "autoreply"


def test_an_autoreply_beats_an_unsubscribe_word() -> None:
    body = "I am out of the office until 15 September. To unsubscribe from my newsletter, reply."

    assert classify(message(body, headers="X-Autoreply: yes\n")).kind == "autoreply"


@pytest.mark.parametrize(
    "body",
    [
        "Please remove me from your mailing list.",
        "Unsubscribe",
        "Take me off your list, thanks.",
        "Proszę mnie wypisać z listy.",
        "Proszę usunąć mój adres z bazy.",
        "Nie chcę więcej otrzymywać tych wiadomości.",
        "Bitte entfernen Sie mich aus dem Verteiler.",
        "Bitte abmelden.",
        "Keine weiteren E-Mails, danke.",
    ],
)
def test_unsubscribe_requests(body: str) -> None:
    assert classify(message(body + OUR_HISTORY)).kind == "unsubscribe"


def test_unsubscribe_in_the_quoted_history_only_is_a_reply() -> None:
    result = classify(message("Thanks, that's interesting. Call me on Monday." + OUR_HISTORY))

    assert result.kind == "reply"
    assert result.reply_text == "Thanks, that's interesting. Call me on Monday."


def test_a_forward_to_a_colleague_is_a_reply() -> None:
    body = (
        "Anna, could you take a look?\n\n---------- Forwarded message ---------\n"
        "From: Sales <sales@us.example>\nDate: Wed, 19 Aug 2026\nSubject: Offer\n\n"
        "Our offer. Unsubscribe here."
    )

    assert classify(message(body)).kind == "reply"


def test_a_challenge_response_request_is_unknown() -> None:
    body = "I use a spam filter. Please click the link below to verify you are a human."

    assert classify(message(body, headers="Auto-Submitted: auto-replied\n")).kind == "unknown"


def test_an_auto_generated_message_that_is_no_notice_is_unknown() -> None:
    body = "Your password was changed. If this was not you, contact support."

    headers = "Auto-Submitted: auto-generated\n"

    result = classify(message(body, subject="Security alert", headers=headers))

    assert result.kind == "unknown"


def test_an_auto_generated_absence_notice_is_an_autoreply() -> None:
    body = "I am on leave until 15.09."

    result = classify(message(body, subject="Offer", headers="Auto-Submitted: auto-generated\n"))

    assert result.kind == "autoreply"
    assert result.return_date == date(2026, 9, 15)


def test_an_empty_message_with_only_an_attachment_is_unknown() -> None:
    raw = (
        f"From: jan@firma.pl\nSubject: Re: Offer\nDate: {SENT}\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\n\n"
        '--b\nContent-Type: application/pdf; name="scan.pdf"\n'
        "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--b--\n"
    )

    result = classify(parse_message(raw))

    assert result.kind == "unknown"
    assert "attachment" in result.reason


def test_alternate_contact_in_an_autoreply() -> None:
    body = (
        "I am out of the office until 15 September. For urgent matters please contact "
        "Anna Nowak at anna.nowak@firma.pl or +48 600 100 200.\n\nBest regards,\nJan Kowalski\n"
        "jan@firma.pl, +48 600 999 999"
    )

    result = classify(message(body, headers="Auto-Submitted: auto-replied\n"))

    assert result.alternate_contact == AlternateContact(
        "Anna Nowak", "anna.nowak@firma.pl", "+48 600 100 200"
    )


def test_the_senders_own_address_is_never_the_alternate_contact() -> None:
    body = "I am out of the office. In urgent matters write to jan@firma.pl."

    result = classify(message(body, headers="Auto-Submitted: auto-replied\n"))

    assert result.alternate_contact is None


def test_a_reply_naming_a_colleague_has_an_alternate_contact() -> None:
    body = "Not my area, please contact my colleague Ewa Lis (ewa.lis@firma.pl)."

    result = classify(message(body))

    assert result.kind == "reply"
    assert result.alternate_contact == AlternateContact("Ewa Lis", "ewa.lis@firma.pl", None)


def test_referenced_message_ids_are_deduplicated_in_order() -> None:
    headers = "In-Reply-To: <b@us.example>\nReferences: <a@us.example> <b@us.example>\n"

    result = classify(message("Thanks!", headers=headers))

    assert result.referenced_message_ids == ("<b@us.example>", "<a@us.example>")


def test_received_at_is_used_without_a_date_header() -> None:
    raw = b"From: jan@firma.pl\nAuto-Submitted: auto-replied\n\nI am on leave until 1 July."

    result = classify(parse_message(raw), received_at=datetime(2026, 6, 1, tzinfo=UTC))

    assert result.return_date == date(2026, 7, 1)


def test_no_date_at_all_is_an_error() -> None:
    with pytest.raises(ValueError, match="received_at"):
        classify(parse_message(b"From: jan@firma.pl\n\nHello"))


@pytest.mark.parametrize(
    "body",
    [
        "I don't want to unsubscribe, but could you write less often?",
        "Nie chcę się wypisywać, ale proszę pisać rzadziej.",
        "Ich möchte mich nicht abmelden, aber bitte seltener schreiben.",
    ],
)
def test_a_request_in_the_negative_is_a_reply(body: str) -> None:
    assert classify(message(body + OUR_HISTORY)).kind == "reply"


def test_a_polish_request_as_a_noun_is_an_unsubscribe() -> None:
    body = "Proszę o wypisanie mnie z newslettera."

    assert classify(message(body + OUR_HISTORY)).kind == "unsubscribe"


def test_a_read_receipt_is_unknown() -> None:
    headers = 'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"\n'
    raw = (
        f"From: jan@firma.pl\nSubject: Read: Offer\nDate: {SENT}\n{headers}\n"
        "--b\nContent-Type: text/plain\n\nYour message was read on 20 August 2026.\n"
        "--b\nContent-Type: message/disposition-notification\n\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n--b--\n"
    )

    result = classify(parse_message(raw))

    assert result.kind == "unknown"
    assert "read receipt" in result.reason


@pytest.mark.parametrize(
    "body",
    [
        "Your request (#20417) has been received and is being reviewed by our staff.",
        "Twoje zgłoszenie zostało zarejestrowane pod numerem #48213.",
        "Ihre Anfrage ist bei uns eingegangen. Ticketnummer: 55012.",
    ],
)
def test_ticket_acknowledgements_are_autoreplies(body: str) -> None:
    assert classify(message(body, subject="Request received")).kind == "autoreply"


def test_a_person_mentioning_a_holiday_and_asking_for_a_call_is_a_reply() -> None:
    body = (
        "Temat wydaje się ciekawy. Niestety jestem na urlopie do 20 sierpnia. "
        "Proszę o telefon po powrocie."
    )

    assert classify(message(body)).kind == "reply"
