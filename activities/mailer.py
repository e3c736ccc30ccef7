"""Building journey e-mails and handing them to the SMTP server.

Failures are sorted by what a retry could change. A permanent (5xx) refusal of the recipient
will not change, so it is a non-retryable `AddressRejected` the workflow can act on (mark the
prospect undeliverable). A 5xx about *us* (bad login, refused sender) is non-retryable too,
but typed apart so a configuration mistake never marks prospects undeliverable. Everything
else (4xx, disconnects, timeouts) is raised as is and retried by Temporal with backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from jinja2 import TemplateError
from temporalio.exceptions import ApplicationError

from definitions.settings import Sender
from definitions.templates import RenderedEmail, render_email, template_context
from nurture.links import make_click_token, make_unsubscribe_token, tracked_link, unsubscribe_link
from nurture.settings import Settings
from workflows.contract import (
    ADDRESS_REJECTED,
    RECIPIENT_DEFERRED,
    SMTP_AUTH_FAILED,
    SMTP_REFUSED,
    TEMPLATE_ERROR,
    SendEmailInput,
)


def build_message(
    *,
    rendered: RenderedEmail,
    sender: Sender,
    to: str,
    message_id: str,
    headers: Mapping[str, str],
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML last (the preferred part)."""
    message = EmailMessage()
    fields = {
        "From": sender.from_address,
        "To": to,
        "Subject": rendered.subject,
        "Date": formatdate(usegmt=True),
        "Message-ID": message_id,
        **({"Reply-To": sender.reply_to} if sender.reply_to else {}),
        **headers,
    }
    for name, value in fields.items():
        # Values can carry prospect data; a newline must never start a header of its own.
        message[name] = " ".join(value.split())
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def compose_journey_email(
    input: SendEmailInput, *, settings: Settings, message_id: str
) -> EmailMessage:
    """The content e-mail for one prospect, with its signed tracked and unsubscribe links."""
    secret, base_url = settings.link_secret, settings.public_base_url
    click_token = make_click_token(
        secret,
        prospect_id=input.prospect.id,
        journey_id=input.journey_id,
        content_id=input.content.id,
    )
    unsubscribe_token = make_unsubscribe_token(
        secret, prospect_id=input.prospect.id, journey_id=input.journey_id
    )
    unsubscribe = unsubscribe_link(base_url, unsubscribe_token)
    context = template_context(
        prospect=input.prospect.model_dump(),
        content=input.content,
        tracked_link=tracked_link(base_url, click_token),
        unsubscribe_link=unsubscribe,
        journey={"id": input.journey_id, "name": input.journey_name},
        stage=input.stage,
    )
    try:
        rendered = render_email(input.content.email, context)
    except TemplateError as error:
        # Rendering again will fail again; the definition must be fixed and republished.
        raise ApplicationError(
            f"content {input.content.id!r} does not render: {error}",
            type=TEMPLATE_ERROR,
            non_retryable=True,
        ) from error
    return build_message(
        rendered=rendered,
        sender=input.sender,
        to=input.prospect.email,
        message_id=message_id,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Nurture-Journey": input.journey_id,
            "X-Nurture-Prospect": input.prospect.id,
            "X-Nurture-Content": input.content.id,
        },
    )


async def deliver(message: EmailMessage, settings: Settings) -> None:
    try:
        refused, _ = await aiosmtplib.send(
            message,
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
    except aiosmtplib.SMTPException as error:
        failure = smtp_failure(error)
        if failure is None:
            raise
        raise failure from error
    # With several recipients the server may accept some and refuse others without an error.
    if refused:
        raise refusal_failure({address: (r.code, r.message) for address, r in refused.items()})


def smtp_failure(error: aiosmtplib.SMTPException) -> ApplicationError | None:
    """The non-retryable failure an SMTP error amounts to, or None to let it be retried."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return refusal_failure({r.recipient: (r.code, r.message) for r in error.recipients})
    if not isinstance(error, aiosmtplib.SMTPResponseException) or error.code < 500:
        return None
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return ApplicationError(
            f"the SMTP server refused our login: {error.code} {error.message}",
            type=SMTP_AUTH_FAILED,
            non_retryable=True,
        )
    if isinstance(
        error,
        aiosmtplib.SMTPSenderRefused
        | aiosmtplib.SMTPHeloError
        | aiosmtplib.SMTPConnectResponseError,
    ):
        return ApplicationError(
            f"the SMTP server refused us: {error.code} {error.message}",
            type=SMTP_REFUSED,
            non_retryable=True,
        )
    # A 5xx to RCPT or DATA of a one-recipient message is a permanent no for that recipient.
    return _address_rejected(f"{error.code} {error.message}")


def refusal_failure(refused: Mapping[str, tuple[int, str]]) -> ApplicationError:
    """The failure for refused recipients: permanent if any refusal is, else retryable."""
    replies = {address: f"{code} {text}" for address, (code, text) in refused.items()}
    summary = "; ".join(f"{address}: {reply}" for address, reply in replies.items())
    if any(code >= 500 for code, _ in refused.values()):
        return _address_rejected(summary, replies)
    return ApplicationError(f"recipient deferred: {summary}", replies, type=RECIPIENT_DEFERRED)


def _address_rejected(reply: str, *details: object) -> ApplicationError:
    return ApplicationError(
        f"recipient rejected: {reply}", *details, type=ADDRESS_REJECTED, non_retryable=True
    )
