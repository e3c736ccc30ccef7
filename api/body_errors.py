"""A JSON body that is not UTF-8 is answered as any other malformed JSON: 422 naming the body.

FastAPI answers a body that is not JSON with 422 (`json_invalid`), but one whose bytes are not
UTF-8 (which JSON must be) fails one step earlier, in decoding, and gets a bare
`400 There was an error parsing the body` that no operation documents. The fuzzer found it;
this handler gives both the same documented answer and passes every other HTTPException to
FastAPI's own handler unchanged.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette import status
from starlette.exceptions import HTTPException


def is_undecodable_body(exc: HTTPException) -> bool:
    """FastAPI's 400 for a JSON body it could not decode (it chains the decoding error)."""
    return exc.status_code == status.HTTP_400_BAD_REQUEST and isinstance(
        exc.__cause__, UnicodeDecodeError
    )


async def undecodable_body(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for it only
        raise exc
    if not is_undecodable_body(exc):
        return await http_exception_handler(request, exc)
    reason = exc.__cause__.reason if isinstance(exc.__cause__, UnicodeDecodeError) else ""
    return JSONResponse(
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body"],
                    "msg": f"the body is not UTF-8 JSON ({reason})",
                    "input": {},
                }
            ]
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def answer_undecodable_bodies(app: FastAPI) -> None:
    """Register the handler (for every HTTPException: the others pass through unchanged)."""
    app.add_exception_handler(HTTPException, undecodable_body)
