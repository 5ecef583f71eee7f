"""Refuse what no route can take before anything parses it (pure ASGI middleware):
bodies over the size limit, and the NUL character anywhere in the path, the query
or the body. PostgreSQL cannot store NUL in text, and a device that got a 500 for
it would send the same batch again for ever; no name, code or note ever holds one.
"""

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL_REFUSED = "text may not contain the NUL character (\\u0000)"

# The JSON escape \u0000, when its backslash is not itself escaped ("\\u0000" is text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Enough of the previous chunk to see an escape split across two chunks.
_TAIL = 64


class InputGuard:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, "payload_too_large", f"request body over {self.max_bytes} bytes")
            return
        if "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await _refuse(send, 422, "invalid_request", NUL_REFUSED)
            return
        seen = 0
        tail = b""

        async def guarded_receive() -> Message:
            # Counted and searched as the body arrives (it may come chunked, without
            # Content-Length); the route's body parsing passes these HTTPExceptions through.
            nonlocal seen, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > self.max_bytes:
                    raise HTTPException(413, f"request body over {self.max_bytes} bytes")
                window = tail + chunk
                if b"\x00" in window or (b"u0000" in window and _JSON_NUL.search(window)):
                    raise HTTPException(422, NUL_REFUSED)
                tail = window[-_TAIL:]
            return message

        await self.app(scope, guarded_receive, send)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
