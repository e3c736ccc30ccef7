"""When each e-mail reached the SMTP sink, to the microsecond, on the harness's own clock.

The sink runs in the harness process, so an arrival time and the moment the harness sent the
event that caused the e-mail are read from the same clock (`time.monotonic()`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default
from typing import Any

from nurture.smtp_sink import CatchingHandler, MailSink


@dataclass(frozen=True)
class Arrival:
    at: float
    to: tuple[str, ...]
    subject: str


class Arrivals:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: list[Arrival] = []

    def handler_class(self) -> type[CatchingHandler]:
        """A sink handler that notes each message's arrival before the sink keeps it."""
        arrivals = self

        class TimedHandler(CatchingHandler):
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                at = time.monotonic()
                content = envelope.original_content or envelope.content
                raw = content if isinstance(content, bytes) else str(content).encode()
                headers = BytesHeaderParser(policy=default).parsebytes(raw)
                arrivals.note(Arrival(at, tuple(envelope.rcpt_tos), str(headers["Subject"])))
                return await super().handle_DATA(server, session, envelope)

        return TimedHandler

    def note(self, arrival: Arrival) -> None:
        with self._lock:
            self._seen.append(arrival)

    def since(self, moment: float) -> list[Arrival]:
        with self._lock:
            return [arrival for arrival in self._seen if arrival.at >= moment]

    def count_since(self, moment: float, *, subject_prefix: str = "") -> int:
        return sum(1 for a in self.since(moment) if a.subject.startswith(subject_prefix))


def timed_sink(host: str) -> tuple[MailSink, Arrivals]:
    arrivals = Arrivals()
    return MailSink(host=host, handler_class=arrivals.handler_class()), arrivals
