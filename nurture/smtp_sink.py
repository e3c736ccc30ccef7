"""A local SMTP server that keeps every message it is given: for `nurture dev` and tests.

It runs aiosmtpd on its own thread and event loop, so it works beside any asyncio code (a test's
loop, uvicorn) without sharing a loop with it. Nothing is ever relayed anywhere.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import random
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class CaughtMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class CatchingHandler:
    """aiosmtpd handler that accepts everything; subclass it to refuse (see the tests)."""

    def __init__(self, sink: MailSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self._sink.catch(mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos, raw=raw)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (another process could still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_port_for_server() -> int:
    """A free port below the kernel's ephemeral range, for a server that picks ports of its own.

    The Temporal dev server binds its internal services to ephemeral ports it asks the kernel
    for; a frontend port that `free_port` just released can be handed to one of those before
    the frontend binds it, and the server then dies with "address already in use".
    """
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


class MailSink:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        folder: Path | None = None,
        *,
        handler_class: type[CatchingHandler] = CatchingHandler,
    ) -> None:
        self.host = host
        self.port = free_port() if port is None else port
        self.folder = folder
        self._caught: list[CaughtMail] = []
        self._received = 0
        # The server thread appends while the caller's thread reads.
        self._lock = threading.Lock()
        self._controller = Controller(handler_class(self), hostname=host, port=self.port)
        self._running = False

    def start(self) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False

    @property
    def messages(self) -> list[CaughtMail]:
        with self._lock:
            return list(self._caught)

    def clear(self) -> None:
        with self._lock:
            self._caught.clear()

    # A plain `timeout` argument reads best at the call sites: `await sink.wait_for(2)`.
    async def wait_for(self, count: int, timeout: float = 10) -> list[CaughtMail]:  # noqa: ASYNC109
        """The caught messages once there are at least `count`; TimeoutError if not in time."""
        caught = self.messages
        try:
            async with asyncio.timeout(timeout):
                while len(caught) < count:
                    await asyncio.sleep(0.05)
                    caught = self.messages
        except TimeoutError:
            raise TimeoutError(
                f"expected {count} e-mails within {timeout}s, got {len(caught)}"
            ) from None
        return caught

    def catch(self, *, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self._caught.append(CaughtMail(mail_from, tuple(rcpt_tos), message))
            # Counts every message ever caught, so file names stay unique across clear().
            self._received += 1
            number = self._received
        if self.folder is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            (self.folder / f"{stamp}-{number}.eml").write_bytes(raw)
