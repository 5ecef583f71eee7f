"""Entry point of the built store app (`flet build` runs this module as __main__).

The core's address is baked in at build time: build.sh writes it to
build_settings.json next to this file. BACKROOM_CORE_URL in the environment,
when set, wins (a desktop build started by hand). A build without either
shows a screen that says so instead of syncing with nowhere. The cache lives
in the app's private storage (FLET_APP_STORAGE_DATA, set by the built app).

Importing this module needs Flet and the store app only (no web server):
the build ships nothing else."""

import json
import os
from pathlib import Path

import flet as ft

from app.main import run_window

SETTINGS = Path(__file__).with_name("build_settings.json")


def core_url() -> str | None:
    """The core this build syncs with, or None when the build was not given one."""
    url = os.environ.get("BACKROOM_CORE_URL", "").strip()
    if url:
        return url
    try:
        settings = json.loads(SETTINGS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = settings.get("core_url") if isinstance(settings, dict) else None
    if not isinstance(url, str) or not url.strip():
        return None
    return url.strip()


def data_dir() -> Path:
    return Path(os.environ.get("FLET_APP_STORAGE_DATA", "var/store"))


def no_core_url(page: ft.Page) -> None:
    page.title = "Backroom store"
    page.add(ft.Text(
        "This build does not know which core to sync with. Build it again with "
        "packaging/flet/build.sh --core-url https://your-core.example.com <target>, "
        "or start it with BACKROOM_CORE_URL set.",
        selectable=True,
    ))


if __name__ == "__main__":
    url = core_url()
    if url is None:
        ft.run(no_core_url)
    else:
        run_window(url, data_dir())
