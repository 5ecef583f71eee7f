from collections.abc import Callable

import flet as ft

from ..work import Feedback
from .context import use_shift


@ft.component
def DocumentButtons(feedback: Feedback | None, tell: Callable[[Feedback], Feedback]) -> ft.Control:
    """Open each document the last action made; send labels to the thermal printer."""
    shift = use_shift()
    if feedback is None or not feedback.documents:
        return ft.Container()
    buttons: list[ft.Control] = []
    for document in feedback.documents:
        if document.media_type == "application/pdf":  # opened in a tab to look at, then print or keep
            buttons.append(ft.OutlinedButton(
                f"Open {document.title} (PDF)" if document.title else f"Open {document.filename}",
                icon=ft.Icons.PICTURE_AS_PDF, tooltip=document.filename,
                # Opened within the click itself, so no popup blocker stops it.
                action=ft.OpenUrl(shift.store.documents.url(document), target=ft.UrlTarget.BLANK),
            ))
        elif document.media_type == "text/csv":  # a file for a spreadsheet: downloaded, the app stays in place
            buttons.append(ft.OutlinedButton(
                f"Download {document.title} (CSV)" if document.title else f"Download {document.filename}",
                icon=ft.Icons.DOWNLOAD, tooltip=document.filename,
                action=ft.OpenUrl(shift.store.documents.url(document), target=ft.UrlTarget.SELF),
            ))
    if any(d.media_type == "application/zpl" for d in feedback.documents):
        async def print_labels() -> None:
            tell(await shift.work.print_labels(feedback))

        buttons.append(ft.FilledButton("Print labels", icon=ft.Icons.PRINT, on_click=print_labels))
    return ft.Row(buttons, wrap=True, spacing=10)
