"""A real SMTP server (aiosmtpd) that the test can take down and make hang at chosen points.

    stop() / start()     the server goes away (connections refused) and comes back on its port
    stall_once("rcpt")   the next message's session hangs at RCPT, before DATA: nothing arrived
    stall_once("data")   the next message is stored, then the session hangs before the 250
                         reply: it arrived, but the sender cannot know (RFC 1047's window)

Every message that reaches DATA is kept, across restarts, with the headers the product sets, so
a test can count arrivals by Message-ID and by (prospect, content).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, Literal

from nurture.smtp_sink import CatchingHandler, MailSink, free_port

Stall = Literal["rcpt", "data"]
# How long a stalled session may hang at most: a test that forgets to release it still ends.
LONGEST_STALL_SECONDS = 120.0


@dataclass(frozen=True)
class Arrived:
    message_id: str
    to: tuple[str, ...]
    subject: str
    # Set by the product on content e-mails (prospect, content) and task notices (task).
    prospect_id: str | None
    content_id: str | None
    task_id: str | None


class FaultySink:
    def __init__(self, host: str) -> None:
        self.host = host
        self.port = free_port()
        self._lock = threading.Lock()
        self._arrived: list[Arrived] = []
        self._armed: Stall | None = None
        self._stalled = threading.Event()
        self._released = threading.Event()
        self._server: MailSink | None = None

    def start(self) -> None:
        """Listen on the same port as before. aiosmtpd's controller cannot start twice (it
        closes its event loop on stop), so every start is a new server on the old port."""
        if self._server is None:
            self._server = MailSink(self.host, self.port, handler_class=self._handler_class())
            self._server.start()

    def stop(self) -> None:
        """Close the port; sessions in progress are cut off."""
        if self._server is not None:
            self._released.set()
            self._server.stop()
            self._server = None

    def stall_once(self, at: Stall) -> None:
        """The next session to reach `at` hangs there until `release()` (or `stop()`)."""
        with self._lock:
            self._armed = at
            self._stalled.clear()
            self._released.clear()

    async def wait_until_stalled(self, *, within: float) -> None:
        if not await asyncio.to_thread(self._stalled.wait, within):
            raise TimeoutError(f"no SMTP session reached the stall within {within} s")

    def release(self) -> None:
        self._released.set()

    @property
    def arrived(self) -> list[Arrived]:
        with self._lock:
            return list(self._arrived)

    def _keep(self, envelope: Any) -> None:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = message_from_bytes(raw, policy=default)
        arrival = Arrived(
            message_id=str(message["Message-ID"]),
            to=tuple(envelope.rcpt_tos),
            subject=str(message["Subject"]),
            prospect_id=_header(message, "X-Nurture-Prospect"),
            content_id=_header(message, "X-Nurture-Content"),
            task_id=_header(message, "X-Nurture-Task"),
        )
        with self._lock:
            self._arrived.append(arrival)

    async def _hold_if_armed(self, point: Stall) -> None:
        with self._lock:
            if self._armed != point:
                return
            self._armed = None
        self._stalled.set()
        # Waited for on a thread: the server's loop must keep serving the next worker's session.
        await asyncio.to_thread(self._released.wait, LONGEST_STALL_SECONDS)

    def _handler_class(self) -> type[CatchingHandler]:
        sink = self

        class FaultyHandler(CatchingHandler):
            async def handle_RCPT(
                self,
                server: Any,
                session: Any,
                envelope: Any,
                address: str,
                rcpt_options: list[str],
            ) -> str:
                await sink._hold_if_armed("rcpt")
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink._keep(envelope)
                await sink._hold_if_armed("data")
                return "250 Message accepted for delivery"

        return FaultyHandler


def _header(message: EmailMessage, name: str) -> str | None:
    value = message[name]
    return str(value) if value is not None else None
