"""One SMTP mail transaction, told apart by phase so a failure says whether the message left.

aiosmtplib's `send` runs MAIL, RCPT and DATA in one call; a failure out of it cannot say
whether the server had the whole message. Here the conversation is split: everything up to
the last RCPT is safe to repeat (the server keeps nothing until the end of DATA), then
`before_data` runs (the outbox records that the message is now leaving), then DATA. A definite
reply to DATA says what happened; a lost connection or a timeout during DATA does not, and is
raised as `DeliveryUncertain` (RFC 1047's duplicate-message window). An address aiosmtplib will
not put on the wire is refused here as permanently as a server's 553 would be.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import aiosmtplib
from aiosmtplib.email import extract_recipients, extract_sender, flatten_message

from activities.smtp_replies import Phase, Reply
from nurture.settings import Settings


class SmtpRefused(Exception):
    """The server answered no (4xx or 5xx) at a known phase; nothing was delivered."""

    def __init__(self, reply: Reply, *, phase: Phase, recipient: str | None = None) -> None:
        self.reply = reply
        self.phase = phase
        self.recipient = recipient
        about = f" for {recipient}" if recipient else ""
        super().__init__(f"{phase} refused{about}: {reply}")


class DeliveryUncertain(Exception):
    """The connection failed while the message was being transmitted: it may have arrived."""


async def transmit(
    message: EmailMessage, *, settings: Settings, before_data: Callable[[], Awaitable[None]]
) -> str:
    """Deliver `message` to its recipients; answers the server's final reply text."""
    sender = extract_sender(message)
    recipients = extract_recipients(message)
    if sender is None or not recipients:
        raise ValueError("a message needs a From and at least one recipient")
    utf8 = not (sender + "".join(recipients)).isascii()
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        # Explicit either way: aiosmtplib's default would upgrade only when offered, so a
        # stripped STARTTLS advertisement would silently send credentials in clear.
        use_tls=settings.smtp_tls == "implicit",
        start_tls=settings.smtp_tls == "starttls",
        timeout=settings.smtp_timeout_seconds,
    )
    try:
        await smtp.connect()
    except aiosmtplib.SMTPResponseException as error:
        raise _refused(error, phase="connect") from error
    try:
        await _envelope(smtp, sender, recipients, utf8=utf8)
        await before_data()
        try:
            reply = await smtp.data(flatten_message(message, utf8=utf8))
        except aiosmtplib.SMTPResponseException as error:
            raise _refused(error, phase="data") from error
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as error:
            raise DeliveryUncertain(f"connection lost during DATA: {error}") from error
        return reply.message
    finally:
        smtp.close()


async def _envelope(
    smtp: aiosmtplib.SMTP, sender: str, recipients: list[str], *, utf8: bool
) -> None:
    options = ["SMTPUTF8"] if utf8 else []
    encoding = "utf-8" if utf8 else "ascii"
    try:
        await smtp.mail(sender, options=options, encoding=encoding)
    except aiosmtplib.SMTPResponseException as error:
        raise _refused(error, phase="sender") from error
    except ValueError as error:
        raise _unusable(error, phase="sender") from error
    refusals: list[SmtpRefused] = []
    for recipient in recipients:
        try:
            await smtp.rcpt(recipient, encoding=encoding)
        except aiosmtplib.SMTPRecipientRefused as error:
            refusals.append(_refused(error, phase="recipient", recipient=recipient))
        except ValueError as error:
            refusals.append(_unusable(error, phase="recipient", recipient=recipient))
    # A server may accept some recipients and refuse others; sending DATA then would deliver
    # to part of the list and leave the rest to a retry that re-sends to everyone. So any
    # refusal stops the transaction, the permanent ones first.
    if refusals:
        raise max(refusals, key=lambda refusal: refusal.reply.code)


def _refused(
    error: aiosmtplib.SMTPResponseException, *, phase: Phase, recipient: str | None = None
) -> SmtpRefused:
    return SmtpRefused(Reply(error.code, error.message), phase=phase, recipient=recipient)


def _unusable(error: ValueError, *, phase: Phase, recipient: str | None = None) -> SmtpRefused:
    """aiosmtplib refuses to send an address it cannot put on the wire (a control character, a
    quote); no retry changes that, so it reads as the server's permanent "bad address syntax"."""
    reply = Reply(553, f"5.1.3 not sent, the address cannot be used: {error}")
    return SmtpRefused(reply, phase=phase, recipient=recipient)
