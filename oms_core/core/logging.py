"""The one logger setup of the core."""

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def setup_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_backroom", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._backroom = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
