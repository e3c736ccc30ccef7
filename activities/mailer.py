"""Building journey e-mails: rendered content, signed links, and headers no data can forge.

Handing them to the SMTP server, once, is `activities.outbox_delivery`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate

from jinja2 import TemplateError
from temporalio.exceptions import ApplicationError

from definitions.settings import Sender
from definitions.templates import RenderedEmail, render_email, template_context
from nurture.links import make_click_token, make_unsubscribe_token, tracked_link, unsubscribe_link
from nurture.settings import Settings
from workflows.contract import TEMPLATE_ERROR, SendEmailInput


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
