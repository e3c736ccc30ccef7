from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from activities import mailer
from activities.message_ids import message_id_for, task_id_for
from definitions.settings import Sender
from definitions.templates import RenderedEmail

RENDERED = RenderedEmail(subject="Your guide", html="<p>Hello</p>", text="Hello\n")
SENDER = Sender.model_validate(
    {"from": "Anna <anna@acme.example>", "reply_to": "sales@acme.example"}
)


def _build(**overrides: Any) -> EmailMessage:
    arguments: dict[str, Any] = {
        "rendered": RENDERED,
        "sender": SENDER,
        "to": "ada@example.com",
        "message_id": "<abc@acme.example>",
        "headers": {"X-Nurture-Journey": "onboarding"},
        **overrides,
    }
    return mailer.build_message(**arguments)


def test_message_ids_are_stable_per_key_and_use_the_sender_domain() -> None:
    first = message_id_for("journey:j:prospect:p/7", "Anna <anna@acme.example>")

    assert first == message_id_for("journey:j:prospect:p/7", "anna@acme.example")
    assert first != message_id_for("journey:j:prospect:p/8", "anna@acme.example")
    assert re.fullmatch(r"<[0-9a-f]{32}@acme\.example>", first)


def test_task_ids_are_stable_short_hex() -> None:
    assert task_id_for("k/1") == task_id_for("k/1") != task_id_for("k/2")
    assert re.fullmatch(r"[0-9a-f]{16}", task_id_for("k/1"))


def test_message_is_multipart_alternative_with_text_before_html() -> None:
    message = _build()

    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert "Hello" in parts[0].get_content()
    assert "<p>Hello</p>" in parts[1].get_content()


def test_message_carries_the_envelope_headers() -> None:
    message = _build()

    assert message["From"] == "Anna <anna@acme.example>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Your guide"
    assert message["Message-ID"] == "<abc@acme.example>"
    assert message["Reply-To"] == "sales@acme.example"
    assert message["X-Nurture-Journey"] == "onboarding"
    assert message["Date"] is not None


def test_reply_to_is_left_out_when_the_sender_has_none() -> None:
    message = _build(sender=Sender.model_validate({"from": "anna@acme.example"}))

    assert "Reply-To" not in message


def test_a_newline_in_a_header_value_cannot_inject_a_header() -> None:
    rendered = RenderedEmail(subject="Hi\r\nBcc: all@example.com", html="<p>x</p>", text="x")

    message = _build(rendered=rendered, headers={"X-Nurture-Prospect": "p\nBcc: all@example.com"})

    assert "Bcc" not in message
    assert message["Subject"] == "Hi Bcc: all@example.com"
    head = message.as_string().split("\n\n", 1)[0]
    assert not any(line.startswith("Bcc:") for line in head.splitlines())
