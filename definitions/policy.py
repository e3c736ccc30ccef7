"""The sending policy: rules that hold for every journey at once (frequency caps, quiet periods).

A journey's own send window lives in its definition; what must hold across journeys (a prospect
in three journeys still gets at most two e-mails in three days) and what an operator switches on
for everyone (no e-mail between Christmas and New Year) lives here, in one document that the send
activity reads at the moment it sends, so a change applies to journeys that are already running.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from definitions.durations import Duration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrequencyCap(_Strict):
    max_emails: int = Field(ge=1, description="At most this many e-mails to one prospect …")
    per: Duration = Field(description="… within any period this long, across all journeys.")
    when_capped: Literal["defer", "drop"] = Field(
        default="defer",
        description="`defer`: send as soon as the cap allows; `drop`: do not send it at all. "
        "Either way the decision is recorded with the cap as its reason.",
    )


class QuietPeriod(_Strict):
    name: str = Field(min_length=1, max_length=200)
    start: date = Field(description="First quiet day, in the prospect's time zone.")
    end: date = Field(description="Last quiet day (inclusive); sends resume the day after.")

    @model_validator(mode="after")
    def _ordered(self) -> QuietPeriod:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class SendingPolicy(_Strict):
    frequency_cap: FrequencyCap | None = None
    quiet_periods: list[QuietPeriod] = Field(default_factory=list)
