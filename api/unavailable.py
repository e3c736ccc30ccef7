"""The database being unreachable or locked is a 503 the caller can retry, never a 500.

A request that fails this way has applied nothing it could lose: events are recorded in one
transaction and applied by id, so the same request sent again is applied once. A 500 says
"our bug" and many senders give up on it; a 503 with `Retry-After` says "send it again".
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette import status

from nurture.metrics import ERRORS

RETRY_AFTER_SECONDS = 5


async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    ERRORS.labels(where="database").inc()
    reason = str(getattr(exc, "orig", None) or type(exc).__name__)
    return JSONResponse(
        {"detail": f"the database is unavailable ({reason}); send the same request again"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def answer_database_outages(app: FastAPI) -> None:
    # asyncpg lets a refused connection (PostgreSQL stopped or restarting) out as the socket's
    # own ConnectionRefusedError, which SQLAlchemy does not wrap; nothing else the API calls
    # raises a bare ConnectionError (Temporal's client has its own errors).
    for error in (OperationalError, InterfaceError, ConnectionError):
        app.add_exception_handler(error, database_unavailable)
