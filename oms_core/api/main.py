"""The core's FastAPI application."""

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Engine

from ..core.config import Settings, get_settings
from ..core.db import make_engine, reader
from ..core.logging import setup_logging
from ..models import utcnow
from ..services import changes
from ..services import fulfilments as fulfilment_service
from ..services.auth import CredentialCache
from . import errors
from .limits import BodyLimit
from .live import LiveChanges
from .routes import auth, catalog, exports, fulfilments, kpis, locations, orders, promise, routing, stock, sync

API_PREFIX = "/api/v1"
log = logging.getLogger("backroom.expiry")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    setup_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        # Number what a worker committed but could not sequence before it stopped.
        changes.sequence_pending(app.state.engine)
        app.state.live.start(app.state.engine)
        expiry = None
        if settings.expiry_interval_seconds > 0:
            expiry = asyncio.create_task(_expire_periodically(app.state.engine, settings.expiry_interval_seconds))
        app.state.expiry = expiry
        yield
        if expiry is not None:
            expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await expiry
        app.state.live.stop()
        app.state.engine.dispose()

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
    app.state.live = LiveChanges()
    errors.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, catalog, locations, stock, promise, orders, fulfilments, routing, sync, kpis, exports):
        api.include_router(module.router)
    app.include_router(api)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        return {"status": "ok"}

    return app


async def _expire_periodically(engine: Engine, interval_s: float) -> None:
    """The scheduler: fulfilments not accepted in time expire and their lines
    are routed again. Every worker runs it; row locks keep them from doing the
    same fulfilment twice."""
    while True:
        try:
            expired = await run_in_threadpool(fulfilment_service.expire_overdue, engine, utcnow())
            if expired:
                log.info("%d fulfilments expired and were routed again", expired)
        except Exception:  # noqa: BLE001 - a bad run must not stop the scheduler
            log.exception("expiring overdue fulfilments failed")
        await asyncio.sleep(interval_s)
