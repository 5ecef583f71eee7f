"""Entry point of the built store app. The core's address comes from
BACKROOM_CORE_URL, else the store's usual address; the cache lives in the
app's private storage (FLET_APP_STORAGE_DATA, set by the built app)."""

import os
from pathlib import Path

from app.main import run_window

run_window(
    os.environ.get("BACKROOM_CORE_URL", "https://core.example.com"),
    Path(os.environ.get("FLET_APP_STORAGE_DATA", "var/store")),
)
