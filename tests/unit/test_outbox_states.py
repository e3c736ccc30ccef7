"""What an attempt does about a message it finds in each outbox state, under each policy."""

from __future__ import annotations

import pytest

from nurture.outbox import TRANSMITTABLE, UncertainPolicy, next_step


@pytest.mark.parametrize(
    ("state", "policy", "step"),
    [
        ("pending", "assume_sent", "send"),
        ("pending", "resend", "send"),
        ("sending", "assume_sent", "mark_uncertain"),
        ("sending", "resend", "mark_uncertain"),
        ("uncertain", "assume_sent", "answer_sent"),
        ("uncertain", "resend", "send"),
        ("sent", "resend", "answer_sent"),
        ("failed", "assume_sent", "answer_failed"),
        ("suppressed", "resend", "answer_suppressed"),
    ],
)
def test_next_step(state: str, policy: UncertainPolicy, step: str) -> None:
    assert next_step(state, policy=policy) == step


@pytest.mark.parametrize("policy", ["assume_sent", "resend"])
def test_a_message_is_only_ever_transmitted_from_a_state_whose_step_is_send(
    policy: UncertainPolicy,
) -> None:
    # The compare-and-set before DATA and the step chosen before SMTP must agree, or an
    # attempt could connect for a message it is then never allowed to transmit (or worse).
    states = ["pending", "sending", "sent", "failed", "uncertain", "suppressed"]
    sendable = {state for state in states if next_step(state, policy=policy) == "send"}
    assert sendable == TRANSMITTABLE[policy]
