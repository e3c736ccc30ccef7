"""Marketer templates are untrusted and prospect data is hostile: rendering must stay safe."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jinja2 import TemplateError, UndefinedError
from jinja2.exceptions import SecurityError
from pydantic import ValidationError

from definitions.model import ContentItem, EmailTemplate
from definitions.render_limits import RenderLimitExceeded
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


# Known server-side template injection payloads (the PayloadsAllTheThings and HackTricks Jinja2
# lists, written again here): each tries to reach Python's objects, globals, modules or the
# file system. The sandbox must refuse every one.
SSTI_PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ [].__class__.__base__.__subclasses__() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ range.__init__.__globals__ }}",
    "{{ ''|attr('__class__') }}",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ ''['__class__'] }}",
    "{{ content['__class__'] }}",
    "{{ prospect.__class__.__init__.__globals__ }}",
    "{{ prospect.items.__self__.__class__ }}",
    "{{ link.__class__.__mro__ }}",
    "{{ '{0.__class__.__mro__}'.format(link) }}",
    "{{ '{email.__class__.__mro__}'.format_map(prospect) }}",
    "{{ prospect.attributes.update({'x': 1}) }}",
    "{{ prospect.pop('email') }}",
    "{% set x = prospect.setdefault('admin', true) %}{{ x }}",
    "{{ content.__getattribute__('__class__') }}",
    "{{ (1).__class__.__subclasses__() }}",
    "{{ request.application.__globals__ }}",
    "{{ config.items() }}",
]


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_known_template_injection_payloads_are_all_refused(payload: str) -> None:
    content = _content(body=f"<p>{payload}</p>")

    with pytest.raises(TemplateError):
        _render(content, attributes={})


def test_a_template_that_loops_too_long_is_stopped() -> None:
    loops = (
        "{% set many = range(100000) %}"
        "{% for a in many %}{% for b in many %}{% for c in many %}{% endfor %}{% endfor %}"
        "{% endfor %}"
    )
    started = time.monotonic()

    with pytest.raises(RenderLimitExceeded, match="longer than"):
        _render(_content(body=loops))
    assert time.monotonic() - started < 5


def test_a_template_that_writes_too_much_is_cut_off() -> None:
    flood = (
        "{% for a in range(100000) %}{% for b in range(100) %}xxxxxxxxxx{% endfor %}{% endfor %}"
    )

    with pytest.raises(RenderLimitExceeded, match="more than"):
        _render(_content(body=flood))


def test_a_huge_template_is_refused_by_the_model() -> None:
    with pytest.raises(ValidationError, match="at most 200000 characters"):
        _content(body="<p>" + "x" * 200_001 + "</p>")


def test_each_prospect_gets_their_own_values_from_the_one_compiled_template() -> None:
    # Compiled templates are shared between sends (and a worker's threads): nothing of one
    # render may leak into the next, and an escaped value stays escaped every time.
    content = _content(body="<p>Hi {{ prospect.first_name }} of {{ prospect.company }}</p>")

    first = _render(content, first_name="Ada", company="<Acme>")
    second = _render(content, first_name="Bo", company="Initech")

    assert first.html == "<p>Hi Ada of &lt;Acme&gt;</p>"
    assert second.html == "<p>Hi Bo of Initech</p>"
