"""The one logger setup of the core: one JSON object a line (or plain text for
a terminal), each carrying the id of the request it was written for."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# Set by the request id middleware for the duration of a request; threads the
# route runs in (run_in_threadpool) inherit it.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
# (uvicorn adds color_message, the same text with terminal colours.)
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "color_message"}


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", "-") != "-":
            entry["request_id"] = record.request_id  # type: ignore[attr-defined]
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_backroom", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._backroom = True  # type: ignore[attr-defined]
        handler.addFilter(_RequestId())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT_FORMAT))
    root.setLevel(level.upper())
