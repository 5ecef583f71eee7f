"""Refuse what no route can take before anything parses it (pure ASGI middleware):
bodies over the size limit, the NUL character anywhere in the path, the query or
the body, and half a UTF-16 surrogate pair in the body. PostgreSQL cannot store NUL
in text, and no database driver or JSON answer can carry a lone surrogate (which
JSON's \ud800 escape can make): a device that got a 500 for either would send the
same batch again for ever. No name, code or note ever holds one.
"""

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL_REFUSED = "text may not contain the NUL character (\\u0000)"

# The JSON escape \u0000, when its backslash is not itself escaped ("\\u0000" is text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
SURROGATE_REFUSED = "text may not contain half a surrogate pair (\\ud800 to \\udfff alone): send it as UTF-8"
# A JSON escape of a high surrogate not followed by a low one, or of a low one not after a high one.
_JSON_LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<![\\]u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)(?:\\\\)*\\u[dD][c-fC-F][0-9a-fA-F]{2}")
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
                if (b"\\ud" in window or b"\\uD" in window) and _lone_surrogate(
                        window, len(tail), message.get("more_body", False)):
                    raise HTTPException(422, SURROGATE_REFUSED)
                tail = window[-_TAIL:]
            return message

        await self.app(scope, guarded_receive, send)


def _lone_surrogate(window: bytes, carried: int, more: bool) -> bool:
    """Whether the window holds half a surrogate pair. An escape at either edge may be half
    of a pair split between two chunks: one near the start was judged with the chunk before
    (the carried tail is long enough to hold it whole), one near the end with the next."""
    return any((carried == 0 or lone.start() >= 6) and (not more or lone.end() <= len(window) - 6)
               for lone in _JSON_LONE_SURROGATE.finditer(window))


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
