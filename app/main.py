"""Running the store app: served to the store's browsers (web mode: one
process serves every tablet of the store), or as a desktop window.

Importing this module needs Flet only: a `flet build` (packaging/flet/main.py
calls run_window) ships without flet_web, uvicorn and FastAPI, so the
functions that serve the web import them themselves."""

from pathlib import Path
from typing import TYPE_CHECKING

import flet as ft

from .store import StoreApp
from .views.root import App

if TYPE_CHECKING:
    from fastapi import FastAPI


def screen(store: StoreApp):  # noqa: ANN201
    def main(page: ft.Page) -> None:
        page.title = "Backroom store"
        page.padding = 0
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.BLUE_GREY)
        page.theme_mode = ft.ThemeMode.LIGHT
        store.start()  # the desktop window has no server start-up: the first screen starts syncing
        page.render(App, store)

    return main


def web_app(store: StoreApp) -> "FastAPI":
    import flet_web.fastapi as flet_fastapi
    from fastapi import HTTPException, Response

    app = flet_fastapi.FastAPI(title="Backroom store app", on_startup=[store.start], on_shutdown=[store.stop])

    @app.get("/files/{document_id}/{filename}")
    def document(document_id: str, filename: str) -> Response:
        kept = store.documents.get(document_id)
        if kept is None or kept.filename != filename:
            raise HTTPException(404, "this document is no longer kept: make it again from the order")
        # A PDF shows in the browser; anything else (a CSV) is saved as a file.
        disposition = "inline" if kept.media_type == "application/pdf" else "attachment"
        return Response(kept.content, media_type=kept.media_type,
                        headers={"Content-Disposition": f'{disposition}; filename="{kept.filename}"'})

    @app.get("/healthz")
    def health() -> dict:
        return {"status": "ok", "sync": store.engine.status.__dict__}

    # Last: Flet answers every other path (its app is a single page).
    app.mount("/", flet_fastapi.app(screen(store), no_cdn=True, app_name="Backroom store"))
    return app


def serve(core_url: str, host: str, port: int, data_dir: Path) -> None:
    import uvicorn

    uvicorn.run(web_app(StoreApp(core_url, data_dir)), host=host, port=port, log_level="info", access_log=False)


def run_window(core_url: str, data_dir: Path) -> None:
    store = StoreApp(core_url, data_dir)
    store.documents.directory = data_dir / "documents"
    ft.run(screen(store))
