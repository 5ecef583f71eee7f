"""The core's FastAPI application."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ..core import migrate
from ..core.config import Settings, get_settings
from ..core.db import make_engine, reader
from ..core.logging import setup_logging
from ..models import utcnow
from ..services import changes, counter, housekeeping, location_load, notifications
from ..services import fulfilments as fulfilment_service
from ..services.auth import ClientThrottle, CredentialCache
from . import errors
from .deps import EngineDep
from .limits import InputGuard
from .live import LiveChanges
from .requests import RequestId
from .routes import (access, auth, catalog, exports, fulfilments, kpis, locations, orders, promise, returns, routing,
                     stock, sync)
from .routes import counter as counter_routes
from .routes import notifications as notification_routes

API_PREFIX = "/api/v1"
log = logging.getLogger("backroom.scheduler")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        # Number what a worker committed but could not sequence before it stopped.
        changes.sequence_pending(app.state.engine)
        app.state.live.start(app.state.engine)
        app.state.live.close_streams_on_exit_signal()
        engine = app.state.engine
        sender = notifications.sender_for(settings)
        # Every worker runs the schedulers; row locks keep them from doing the same work twice.
        app.state.expiry = _every(settings.expiry_interval_seconds, "expiring overdue fulfilments",
                                  lambda: fulfilment_service.expire_overdue(engine, utcnow()))
        app.state.counter = _every(settings.counter_interval_seconds, "following up uncollected orders",
                                   lambda: counter.remind_and_release(engine, settings, utcnow()))
        app.state.notifier = _every(settings.notify_interval_seconds, "sending notifications",
                                    lambda: notifications.deliver_due(engine, sender, utcnow(),
                                                                      settings.notify_max_attempts))
        app.state.housekeeping = _every(settings.housekeeping_interval_seconds, "forgetting what is past use",
                                        lambda: housekeeping.forget_past_use(engine, settings, utcnow()))
        # What is loaded by now (the code and its frameworks, ~170,000 objects) lives as long
        # as the process: kept out of the collector's full passes, which otherwise walked it
        # every few thousand orders and held a request (and SQLite's write lock) ~100 ms.
        gc.freeze()
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield
        gc.unfreeze()
        for task in (app.state.expiry, app.state.counter, app.state.notifier, app.state.housekeeping):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        app.state.live.stop()
        try:
            location_load.write_counted(engine)  # what this worker counted in its last second
        except Exception:  # noqa: BLE001 - the database may be what is going away
            log.exception("writing the locations' counts at shutdown failed")
        app.state.engine.dispose()
        app.state.reader.dispose()

    app = FastAPI(
        title="Backroom OMS core",
        version="1",
        description="Orders, stock and fulfilment for omnichannel retail.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.reader = reader(app.state.engine)
    app.state.credentials = CredentialCache(settings.auth_cache_seconds)
    app.state.throttle = ClientThrottle(app.state.engine, settings.client_max_failures,
                                         settings.client_lockout_seconds)
    app.state.live = LiveChanges()
    errors.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(InputGuard, max_bytes=settings.max_body_bytes)
    # Outermost, so even a refused oversized body is logged with its request id.
    app.add_middleware(RequestId)

    # Each router straight on the app, the busiest first: FastAPI tries a request
    # against the routes in turn (no two modules' paths overlap: the order changes
    # nothing else), and against a nested router's once more per level of nesting.
    for module in (sync, orders, stock, promise, fulfilments, counter_routes, returns, auth, catalog, locations,
                   routing, kpis, exports, notification_routes, access):
        app.include_router(module.router, prefix=API_PREFIX, responses=errors.RESPONSES)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:
        """Liveness: the process answers. It does not touch the database, so a
        database outage does not get every worker restarted."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "not ready: see `problem`"}})
    def readyz(engine: EngineDep) -> JSONResponse:
        """Readiness: the database answers and its schema is the one this code expects."""
        # The engine comes as a dependency, not from `app`: FastAPI keeps the routes'
        # functions in a process-wide cache, and one closing over its app kept the app.
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = migrate.current_revision(connection)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the database means "not ready"
            logging.getLogger("backroom.ready").warning("not ready: database unreachable: %s", exc)
            return JSONResponse({"status": "unavailable", "problem": "database unreachable"}, status_code=503)
        head = migrate.head_revision()
        if current != head:
            return JSONResponse(
                {"status": "unavailable", "problem": f"database schema at {current}, code expects {head}"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "schema": head})

    return app


def _every(interval_s: float, what: str, work: Callable[[], object]) -> asyncio.Task | None:
    """Run `work` in a worker thread every `interval_s` seconds (None when 0: turned off)."""
    if interval_s <= 0:
        return None

    async def loop() -> None:
        while True:
            try:
                done = await run_in_threadpool(work)
                if done:
                    log.info("%s: %s", what, done)
            except Exception:  # noqa: BLE001 - a bad run must not stop the scheduler
                log.exception("%s failed", what)
            await asyncio.sleep(interval_s)

    return asyncio.create_task(loop())
