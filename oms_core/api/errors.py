"""Every error answers {"error": {"code", "message", "details"}} with the right status.

Bad input is always a 4xx that names what is wrong; a 500 only ever means a bug.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract.errors import DomainError, Forbidden

from ..core.logging import request_id
from ..schemas import ErrorOut
from ..services import audit

log = logging.getLogger("backroom.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


# FastAPI's words for a body it could not even decode (not UTF-8).
_UNREADABLE_BODY = "There was an error parsing the body"


def error_response(status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


# What every route may answer besides its success, for the OpenAPI document.
RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "malformed request (e.g. the body is not JSON)",
        401: "no, unknown, expired or revoked credentials",
        403: "the caller's role or store may not do this",
        404: "no such resource",
        409: "the current state forbids it (e.g. picking a cancelled order)",
        413: "request body too large",
        415: "the body is not sent as JSON (Content-Type: application/json)",
        422: "invalid input; `details.errors` names each field at fault",
        429: "locked out after repeated failed sign-ins; see Retry-After",
        503: "the database cannot be reached or is busy; retry after Retry-After seconds",
    }.items()
}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, Forbidden):
            await _audit_refusal(request, exc)
        headers = None
        if "retry_after" in exc.details:
            headers = {"Retry-After": str(exc.details["retry_after"])}
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    async def _audit_refusal(request: Request, exc: Forbidden) -> None:
        # The route's own session is closed by now (dependencies exit before
        # handlers run), so this short transaction never waits on it.
        actor = getattr(request.state, "actor", None)
        await run_in_threadpool(
            audit.record_now, request.app.state.engine, "access.refused", actor=actor,
            target=f"{request.method} {request.url.path}",
            client=request.client.host if request.client else None, code=exc.code,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "the request body is not valid JSON")
        if any(tuple(e.get("loc", ())) == ("body",) for e in errors):
            # FastAPI reads a body sent as anything but JSON as no body at all.
            if "json" not in request.headers.get("content-type", ""):
                return error_response(415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)")
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
             "message": e.get("msg", "").removeprefix("Value error, ")}  # our validators' words, as they are
            for e in errors[:50]
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return error_response(422, "invalid_request", message, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
            return error_response(400, "malformed_json", "the request body is not valid JSON (nor UTF-8 text)")
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Constraints are the last guard; the services check first, so this is a race.
        log.warning("integrity error: %s", exc.orig)
        return error_response(409, "conflict", "the change conflicts with data that changed meanwhile; retry")

    @app.exception_handler(DataError)
    async def _unstorable(_request: Request, exc: DataError) -> JSONResponse:
        # The schemas bound every value first, so this is a bound we missed: still
        # the caller's value, and nothing was written (the route had not committed).
        log.error("value the database cannot store: %s", exc.orig)
        return error_response(422, "invalid_request", "a value is out of range or cannot be stored")

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: OperationalError | PoolTimeout) -> JSONResponse:
        # The database went away, stayed locked or had no free connection in time:
        # nothing was changed, and the same call can be made again (Idempotency-Key
        # makes an order safe to retry).
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "database_unavailable", "the database cannot be reached just now; retry shortly",
                              headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        rid = request_id.get()
        return error_response(
            500, "internal_error", "something went wrong on our side; it has been logged",
            {"request_id": rid}, headers={"X-Request-ID": rid} if rid else None,
        )
