"""Request ids and the access log (pure ASGI middleware, so event streams pass through untouched).

A request keeps the X-Request-ID its caller (or a proxy) sent, if it is
reasonable, or gets a new one; either way the answer carries it and every log
line written for the request names it, so one id follows a call across the
store app, the proxy and the core.
"""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.logging import request_id

log = logging.getLogger("backroom.access")
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _ACCEPTABLE.match(sent) else uuid.uuid4().hex
        # Never reset: each request runs in a task of its own (its own context),
        # and the outermost error handler, which logs a crash, runs after this returns.
        request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            actor = scope.get("state", {}).get("actor")
            log.info(
                "%s %s %s", scope["method"], scope["path"], status,
                extra={"method": scope["method"], "path": scope["path"], "status": status,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                       "actor": actor.label if actor else None,
                       "client": scope["client"][0] if scope.get("client") else None},
            )
