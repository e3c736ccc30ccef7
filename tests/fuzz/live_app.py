"""The real app, with a worker, served by uvicorn on a background thread with its own event loop.

Schemathesis' pytest tests are synchronous and call the API over blocking HTTP, so the app
cannot share the event loop of the session's async fixtures (that loop stands still while a
sync test runs). The thread builds everything that lives on a loop itself: its own Temporal
client (connected to the session's dev server through `connect_temporal`, the one way every
process connects), its own engine on the run's SQLite file, the worker and the server.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import Any, cast

import uvicorn
from temporalio.client import Client

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from nurture.temporal_client import connect_temporal
from worker import build_worker

START_TIMEOUT_SECONDS = 30.0


def served_openapi_document() -> dict[str, Any]:
    """What the app serves at `/openapi.json`, without starting anything.

    The document depends only on the routes, so an app built on placeholders (never called)
    gives it at import time, when schemathesis makes one test per operation.
    """
    settings = Settings(_env_file=None, environment="development")
    app = create_app(settings=settings, db=cast(Database, None), temporal=cast(Client, None))
    return app.openapi()


class LiveApp:
    """`with LiveApp(settings) as app:` the API answers at `app.base_url` until the block ends."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fuzz-live-app", daemon=True)

    def __enter__(self) -> LiveApp:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise TimeoutError(f"the app did not start within {START_TIMEOUT_SECONDS} s")
        if self._failure is not None:
            raise RuntimeError("the app did not start") from self._failure
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(START_TIMEOUT_SECONDS)
        self._socket.close()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported to the test thread, which waits on _ready
            self._failure = error
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        settings = self._settings
        temporal = await connect_temporal(settings)
        db = Database.from_url(settings.database_url)
        try:
            await db.create_tables()
            worker = build_worker(
                temporal, task_queue=settings.task_queue, db=db, settings=settings
            )
            app = create_app(settings=settings, db=db, temporal=temporal)
            config = uvicorn.Config(app, log_level="warning", lifespan="off")
            self._server = uvicorn.Server(config)
            async with worker:
                serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
                while not self._server.started:
                    if serving.done():
                        await serving  # raises why the server did not start
                        raise RuntimeError("the server stopped before it started")
                    await asyncio.sleep(0.01)
                self._ready.set()
                await serving
        finally:
            await db.dispose()
