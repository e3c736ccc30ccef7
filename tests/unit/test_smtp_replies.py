"""What each SMTP refusal means: retry, hard bounce, a refusal of us (alert), or permanent."""

from __future__ import annotations

import pytest

from activities.smtp_replies import Phase, Reply, enhanced_status, is_alert, meaning


@pytest.mark.parametrize(
    ("code", "text", "phase", "expected"),
    [
        (421, "4.3.2 service shutting down", "connect", "retry"),
        (450, "4.2.1 mailbox busy", "recipient", "retry"),
        (451, "4.7.1 greylisted, try later", "recipient", "retry"),
        (452, "4.3.1 insufficient storage", "data", "retry"),
        (550, "5.1.1 no such user", "recipient", "hard_bounce"),
        (553, "5.1.3 bad address syntax", "recipient", "hard_bounce"),
        (550, "no such user here", "recipient", "hard_bounce"),
        (551, "user not local", "recipient", "hard_bounce"),
        (550, "5.7.1 relaying denied", "recipient", "policy"),
        (554, "5.7.1 message rejected as spam", "data", "policy"),
        (535, "5.7.8 authentication credentials invalid", "connect", "auth"),
        (530, "5.7.0 authentication required", "sender", "auth"),
        (550, "5.1.8 bad sender domain", "sender", "refused_us"),
        (554, "no SMTP service here", "connect", "refused_us"),
        (552, "5.2.2 mailbox full", "recipient", "rejected"),
        (554, "transaction failed", "data", "rejected"),
        (552, "message too big", "data", "rejected"),
    ],
)
def test_each_reply_means_what_its_code_says(
    code: int, text: str, phase: Phase, expected: str
) -> None:
    assert meaning(Reply(code, text), phase=phase) == expected


def test_enhanced_status_is_read_only_at_the_start_of_the_text() -> None:
    assert enhanced_status("5.1.1 <ada@x> no such user") == (5, 1, 1)
    assert enhanced_status("  4.7.1 try later") == (4, 7, 1)
    assert enhanced_status("user 5.1.1 unknown") is None
    assert enhanced_status("no such user") is None


def test_only_refusals_of_us_raise_an_alert() -> None:
    assert [m for m in ("auth", "policy", "refused_us") if is_alert(m)] == [
        "auth",
        "policy",
        "refused_us",
    ]
    assert not any(is_alert(m) for m in ("retry", "hard_bounce", "rejected"))
