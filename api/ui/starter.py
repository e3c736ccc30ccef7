"""The definition a new journey starts from on the publish page: small, valid, commented.

Taken from the short example of docs/definition-format.md, so "Validate" passes before the
marketer has changed a thing and every key they will need is already in place.
"""

from __future__ import annotations

STARTER_DEFINITION = """\
# A new journey. The format: docs/definition-format.md (every key, with examples).
journey: webinar-follow-up            # the id; stays the same across versions
name: Webinar follow-up               # what people see in lists
sender:
  from: "Anna Kowalska <anna@acme.example.com>"
defaults:
  timezone: Europe/Warsaw

stages:                               # in funnel order
  - id: interested
    points: [1, 10]
  - id: evaluating
    points: [10, 100]

content:
  - id: recording
    stage: interested
    title: "Webinar recording: automating month-end"
    points: 5
    link: https://acme.example.com/webinars/month-end
    email:
      subject: "The recording you asked for"
      body: |
        <p>{% if prospect.first_name %}Hi {{ prospect.first_name }},{% else %}Hello,{% endif %}</p>
        <p><a href="{{ link }}">Watch the recording</a> (45 minutes).</p>
        <p><a href="{{ unsubscribe_link }}">Unsubscribe</a></p>
  - id: pricing
    stage: evaluating
    title: Pricing
    points: 50
    link: https://acme.example.com/pricing
    email:
      subject: "What it costs"
      body: |
        <p><a href="{{ link }}">See the plans</a></p>
        <p><a href="{{ unsubscribe_link }}">Unsubscribe</a></p>

sequences:
  interested:
    steps:
      - send: recording
      - wait_for: {event: content_consumed, content: recording, timeout: 3d,
                   on_event: end, on_timeout: next}
      - send: pricing
  evaluating:
    steps:
      - send: pricing

rules:
  - id: engaged
    description: Ten points means they are evaluating.
    when: {score_at_least: 10}
    if: {stage_in: [interested]}
    do:
      - move_to: evaluating
  - id: replied
    when: {event: email_replied}
    do:
      - handoff: {title: "They replied: answer personally", queue: sales, sla: 1d}
"""
