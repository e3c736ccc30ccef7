"""The outbox: every e-mail the system means to send, under its stable key, with its fate.

Temporal runs an activity at least once, so a send can be attempted again after a crash, a
timeout or a lost reply. The outbox row, keyed by the command's stable key (workflow id + step,
never the run id), is what makes the second attempt recognise the first:

    pending ──▶ sending ──▶ sent
       │           │
       │           └──▶ uncertain    (the attempt ended during DATA: it may have arrived)
       ├──▶ failed                   (a permanent refusal)
       └──▶ suppressed               (the address is on the suppression list)

`sending` is written (and committed) before DATA starts and only from `pending`, as one
compare-and-set, so of two attempts racing only one ever transmits. An attempt that finds a
row in `sending` knows its predecessor died or lost its connection mid-DATA: the message is
`uncertain`. What happens to uncertain messages is a stated policy (`Settings.uncertain_sends`):

- `assume_sent` (default): treat it as delivered and never send it again. Most servers have
  queued a message whose DATA went through; a second copy in a prospect's inbox does more harm
  than a nurture e-mail that might be missing. It is counted and logged, and shown on the
  prospect's timeline, so an operator can see and resend by hand.
- `resend`: send it again, with the same Message-ID so receiving systems and clients can tell
  the copies are one message. A row in `sending` is not taken for dead at once under this
  policy: an attempt that outlived its activity timeout may still be in DATA (or recording
  `sent`), and resending then would double a message that arrives. Until the row is older than
  anything an attempt can still be doing with it (`in_flight`), the retry waits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from nurture.tables import UtcDateTime, utcnow

OutboxState = Literal["pending", "sending", "sent", "failed", "uncertain", "suppressed"]
UncertainPolicy = Literal["assume_sent", "resend"]
OutboxStep = Literal[
    "send", "answer_sent", "answer_failed", "answer_suppressed", "mark_uncertain", "wait"
]

# States from which an attempt may start transmitting.
TRANSMITTABLE: dict[UncertainPolicy, frozenset[str]] = {
    "assume_sent": frozenset({"pending"}),
    "resend": frozenset({"pending", "uncertain"}),
}


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    key: str = Field(primary_key=True, max_length=400)
    message_id: str = Field(unique=True, max_length=400)
    # "journey" for content e-mails, "task_notice" for e-mails to sales about tasks.
    kind: str = Field(max_length=32)
    workflow_id: str | None = Field(default=None, index=True, max_length=300)
    prospect_id: str | None = Field(default=None, index=True, max_length=200)
    to_address: str = Field(max_length=320)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", index=True, max_length=16)
    attempts: int = 0
    # For `failed`: the ApplicationError type a later attempt raises again.
    failure_type: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


def next_step(state: str, *, policy: UncertainPolicy, in_flight: bool = False) -> OutboxStep:
    """What an attempt does about a message it finds in `state`, before any SMTP.

    `in_flight`: the row went to `sending` so recently that the attempt that wrote it may still
    be transmitting or recording the outcome.
    """
    if state == "sent":
        return "answer_sent"
    if state == "failed":
        return "answer_failed"
    if state == "suppressed":
        return "answer_suppressed"
    if state == "sending":
        # An attempt that died or lost its connection during DATA leaves this state behind, and
        # so, for a while, does one still running past its timeout. Calling it uncertain is
        # harmless when that means "do not send again"; before sending again, wait it out.
        return "wait" if policy == "resend" and in_flight else "mark_uncertain"
    if state == "uncertain" and policy == "assume_sent":
        return "answer_sent"
    return "send"
