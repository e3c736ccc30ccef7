"""Marketer templates are untrusted and prospect data is hostile: rendering must stay safe."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from definitions.model import ContentItem, EmailTemplate
from definitions.templates import RenderedEmail, render_email, template_context

LINK = "https://nurture.example/t/token"


def _content(**email: str) -> ContentItem:
    return ContentItem.model_validate(
        {
            "id": "guide",
            "stage": "aware",
            "title": "The guide",
            "points": 5,
            "link": "https://acme.example/guide",
            "email": {"subject": "Hello", "body": "<p>Hi</p>", **email},
        }
    )


def _render(content: ContentItem, **prospect: Any) -> RenderedEmail:
    context = template_context(
        prospect={"id": "p-1", "email": "ada@example.com", "first_name": "Ada", **prospect},
        content=content,
        tracked_link=LINK,
        unsubscribe_link="https://nurture.example/u/token",
        journey={"id": "onboarding", "name": "Onboarding"},
        stage="aware",
    )
    return render_email(content.email, context)


def test_prospect_data_is_escaped_in_the_html_body() -> None:
    content = _content(body="<p>Hello {{ prospect.company }}</p>")

    rendered = _render(content, company="<script>alert(1)</script>")

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html


def test_plain_text_is_derived_from_the_html_with_links_written_out() -> None:
    content = _content(
        body="<p>Hi {{ prospect.first_name }} from {{ prospect.company }}</p>"
        '<p><a href="{{ link }}">Read it</a></p>'
    )

    rendered = _render(content, company="Smith & Sons")

    assert rendered.text == f"Hi Ada from Smith & Sons\n\nRead it ({LINK})\n"


def test_an_explicit_plain_text_template_is_used_and_not_escaped() -> None:
    content = _content(text="Dear {{ prospect.company }}, see {{ content.link }}")

    rendered = _render(content, company="Smith & Sons")

    assert rendered.text == f"Dear Smith & Sons, see {LINK}"


def test_a_misspelt_variable_is_an_error_not_a_blank() -> None:
    content = _content(body="<p>Hi {{ prospect.frist_name }}</p>")

    with pytest.raises(UndefinedError):
        _render(content)


def test_a_missing_optional_field_renders_blank_not_none() -> None:
    rendered = _render(_content(subject="Hi {{ prospect.company }}!"), company=None)

    assert rendered.subject == "Hi !"


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ prospect.attributes.update({'admin': true}) }}",
        "{{ content.__class__ }}",
    ],
)
def test_the_sandbox_blocks_reaching_python_internals(attack: str) -> None:
    content = _content(body=f"<p>{attack}</p>")

    with pytest.raises(SecurityError):
        _render(content, attributes={})


def test_a_newline_in_prospect_data_cannot_start_a_new_header() -> None:
    content = _content(subject="Hi {{ prospect.first_name }}")

    rendered = _render(content, first_name="Ada\r\nBcc: everyone@example.com")

    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject
    assert rendered.subject == "Hi Ada Bcc: everyone@example.com"


def test_the_template_model_refuses_an_empty_subject() -> None:
    with pytest.raises(ValueError):
        EmailTemplate(subject="", body="<p>x</p>")
