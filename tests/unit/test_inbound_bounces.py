"""Bounces: RFC 3464 reports and the common non-standard shapes."""

from __future__ import annotations

from inbound.classify import classify
from inbound.message import parse_message

DSN = (
    "From: Mail Delivery System <MAILER-DAEMON@mx.us.example>\r\n"
    "To: sales@us.example\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n"
    "Auto-Submitted: auto-replied\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
    "\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\n"
    "I'm sorry to have to inform you that your message could not be delivered.\r\n"
    "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.us.example\r\n\r\n"
    "Final-Recipient: rfc822; Anna@Firma.PL\r\n"
    "Original-Recipient: rfc822;anna@firma.pl\r\n"
    "Action: {action}\r\n"
    "Status: {status}\r\n"
    "Diagnostic-Code: smtp; {code} {status} <anna@firma.pl>:\r\n"
    "    Recipient address rejected\r\n"
    "\r\n"
    "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    "From: sales@us.example\r\nMessage-ID: <sent-1@us.example>\r\nSubject: Offer\r\n"
    "--b--\r\n"
)


def test_a_delivery_status_report_is_parsed() -> None:
    message = parse_message(DSN.format(action="failed", status="5.1.1", code="550"))

    status = message.delivery_status
    assert status is not None
    assert status.recipient == "anna@firma.pl"
    assert status.status == "5.1.1"
    assert status.action == "failed"
    assert status.diagnostic == "550 5.1.1 <anna@firma.pl>: Recipient address rejected"
    assert status.permanent
    assert message.returned_message_ids == ("<sent-1@us.example>",)


def test_a_report_is_a_bounce_even_with_autoreply_headers() -> None:
    result = classify(parse_message(DSN.format(action="failed", status="5.1.1", code="550")))

    assert result.kind == "bounce"
    assert result.delivery_status is not None
    assert "5.1.1" in result.reason
    assert result.referenced_message_ids == ("<sent-1@us.example>",)


def test_a_delayed_delivery_is_a_bounce_but_not_permanent() -> None:
    message = parse_message(DSN.format(action="delayed", status="4.4.1", code="451"))

    assert message.delivery_status is not None
    assert not message.delivery_status.permanent
    assert classify(message).kind == "bounce"


def test_a_failed_action_without_status_is_permanent() -> None:
    raw = DSN.format(action="failed", status="", code="")

    status = parse_message(raw).delivery_status
    assert status is not None
    assert status.permanent


POSTFIX = (
    "From: MAILER-DAEMON@mx.us.example (Mail Delivery System)\r\n"
    "To: sales@us.example\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n\r\n"
    "This is the mail system at host mx.us.example.\r\n\r\n"
    "I'm sorry to have to inform you that your message could not\r\n"
    "be delivered to one or more recipients.\r\n\r\n"
    "<jan@firma.pl>: host mx.firma.pl[1.2.3.4] said: 550 5.1.1 <jan@firma.pl>:\r\n"
    "    Recipient address rejected: User unknown in local recipient table\r\n\r\n"
    "------ This is a copy of the message, including all the headers. ------\r\n"
    "From: sales@us.example\r\nTo: jan@firma.pl\r\nMessage-ID: <sent-2@us.example>\r\n"
)


def test_a_postfix_bounce_in_prose() -> None:
    message = parse_message(POSTFIX)

    status = message.delivery_status
    assert status is not None
    assert status.recipient == "jan@firma.pl"
    assert status.status == "5.1.1"
    assert status.permanent
    assert status.diagnostic is not None and "550 5.1.1" in status.diagnostic
    assert message.returned_message_ids == ("<sent-2@us.example>",)
    assert classify(message).kind == "bounce"


def test_a_gmail_style_notification() -> None:
    raw = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        "To: sales@us.example\r\n"
        "Subject: Delivery Status Notification (Failure)\r\n"
        "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n\r\n"
        "Address not found\r\n\r\n"
        "Your message wasn't delivered to ewa@firma.pl because the address couldn't be found.\r\n"
    )

    status = parse_message(raw).delivery_status

    assert status is not None
    assert status.recipient == "ewa@firma.pl"
    assert status.permanent


def test_an_exchange_ndr() -> None:
    raw = (
        "From: Microsoft Outlook <postmaster@firma.pl>\r\n"
        "To: sales@us.example\r\n"
        "Subject: Undeliverable: Offer\r\n"
        "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n\r\n"
        "Delivery has failed to these recipients or groups:\r\n\r\n"
        "piotr@firma.pl\r\n"
        "The email address you entered couldn't be found.\r\n\r\n"
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'\r\n"
    )

    status = parse_message(raw).delivery_status

    assert status is not None
    assert status.recipient == "piotr@firma.pl"
    assert status.status == "5.1.10"


def test_a_delay_warning_in_prose_is_temporary() -> None:
    raw = (
        "From: MAILER-DAEMON@mx.us.example\r\n"
        "Subject: Delayed Mail (still being retried)\r\n"
        "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n\r\n"
        "Your message to <ola@firma.pl> has not yet been delivered. The mail system will keep\r\n"
        "trying for 5 days.\r\n"
    )

    status = parse_message(raw).delivery_status

    assert status is not None
    assert not status.permanent


def test_a_person_talking_about_delivery_is_no_bounce() -> None:
    raw = (
        "From: Bob <bob@x.example>\r\n"
        "Subject: Re: Offer\r\n"
        "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n\r\n"
        "Your e-mail to my boss could not be delivered, please use boss@x.example.\r\n"
    )

    message = parse_message(raw)

    assert message.delivery_status is None
    assert classify(message).kind == "reply"


def test_an_x_failed_recipients_header_makes_a_bounce_and_names_the_recipient() -> None:
    raw = (
        "From: Mail Delivery System <Mailer-Daemon@mx.us.example>\r\n"
        "To: sales@us.example\r\n"
        "Subject: Mail delivery failed: returning message to sender\r\n"
        "X-Failed-Recipients: M.Dudek@zielmet.example\r\n"
        "Date: Thu, 20 Aug 2026 10:00:00 +0000\r\n\r\n"
        "This message was created automatically by mail delivery software.\r\n"
        "A message that you sent could not be delivered to one or more of its recipients.\r\n"
        "  other@zielmet.example\r\n"
    )

    status = parse_message(raw).delivery_status

    assert status is not None
    assert status.recipient == "m.dudek@zielmet.example"
