"""The largest request body the API reads: 413 with the limit, before or while it arrives.

A declared `Content-Length` over the limit is refused at once, without reading a byte. A body
sent without a length (chunked) is counted as it streams in, and refused as soon as it passes
the limit: whoever reads the body (FastAPI, a dependency, a route) gets `BodyTooLarge`, an
HTTPException, so the app's own exception handling answers 413; should it escape to here
instead, this middleware answers it while no response has started.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nurture.settings import Settings

INBOUND_EMAIL_PATH = "/inbound/email"
# For the OpenAPI document: any operation may answer it.
RESPONSES: dict[int | str, dict[str, str]] = {
    413: {"description": "The request body is over the size limit (the reason names it)."}
}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: the limit here is {limit} bytes")


class BodyLimit:
    """ASGI middleware: `max_request_bytes`, or `max_inbound_email_bytes` for inbound e-mail
    (a message may carry attachments)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self._app = app
        self._default_limit = settings.max_request_bytes
        self._limits_by_path = {INBOUND_EMAIL_PATH: settings.max_inbound_email_bytes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self._limits_by_path.get(scope["path"], self._default_limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(BodyTooLarge(limit), scope, receive, send)
            return

        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watching(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counting, watching)
        except BodyTooLarge as refused:
            if started:
                raise
            await _refuse(refused, scope, receive, send)


async def _refuse(refused: BodyTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"detail": refused.detail}, status_code=413)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    # A malformed length is left to the server; the streamed bytes are counted regardless.
    return int(value) if value is not None and value.isdigit() else None
