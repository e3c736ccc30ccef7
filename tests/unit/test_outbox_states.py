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


def test_a_message_still_in_flight_is_waited_for_before_it_is_sent_again() -> None:
    assert next_step("sending", policy="resend", in_flight=True) == "wait"
    # Under assume_sent nothing is sent again anyway: no reason to hold the journey back.
    assert next_step("sending", policy="assume_sent", in_flight=True) == "mark_uncertain"


@pytest.mark.parametrize("policy", ["assume_sent", "resend"])
def test_a_message_is_only_ever_transmitted_from_a_state_whose_step_is_send(
    policy: UncertainPolicy,
) -> None:
    # The compare-and-set before DATA and the step chosen before SMTP must agree, or an
    # attempt could connect for a message it is then never allowed to transmit (or worse).
    states = ["pending", "sending", "sent", "failed", "uncertain", "suppressed"]
    sendable = {state for state in states if next_step(state, policy=policy) == "send"}
    assert sendable == TRANSMITTABLE[policy]
