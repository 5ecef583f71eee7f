from datetime import UTC, datetime

import flet as ft

from ..queue import to_pick_together
from .common import METHOD_WORDS, feedback_bar, screen, screen_title, tagged
from .context import SpeakerContext, use_feed, use_feedback, use_latest, use_shift
from .pick import ScanField, say


@screen
def PickList() -> ft.Control:
    """Several accepted orders picked in one walk through the store, product by product."""
    shift = use_shift()
    feed = use_feed()
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    chosen, set_chosen = ft.use_state([])
    ready = to_pick_together(shift.store.work_here(["accepted", "picking"]), datetime.fromtimestamp(feed.now, UTC))
    selected = [fid for fid in chosen if any(v["id"] == fid for v, _ in ready)]
    wanted = shift.work.pick_list(selected)

    def toggle(fid: str, on: bool) -> None:
        set_chosen([f for f in selected if f != fid] + ([fid] if on else []))

    @use_latest
    async def scan(code: str) -> None:
        await say(speaker, tell(shift.work.scan_for_list(shift.associate, selected, code)))

    return ft.Column([
        screen_title("Pick list"),
        ft.Text("Choose the orders to pick together, then scan each item as you take it.", size=15),
        ft.Row([tagged(f"choose-{v['order']['external_ref']}", ft.Checkbox(
            label=f"{said} · {METHOD_WORDS[v['delivery_method']]}",
            value=v["id"] in selected, on_change=lambda e, fid=v["id"]: toggle(fid, e.control.value)))
            for v, said in ready], wrap=True) if ready else ft.Text("No accepted orders waiting to be picked."),
        ScanField(scan, refocus=(feedback, tuple(selected))) if selected else ft.Container(),
        feedback_bar(feedback, "picklist-feedback"),
        ft.Column([tagged(f"pick-{entry['sku']}", ft.Container(ft.Row([
            ft.Text(f"{entry['units']} ×", size=22, weight=ft.FontWeight.BOLD, width=70),
            ft.Column([ft.Text(entry["name"], size=17, weight=ft.FontWeight.W_600),
                       ft.Text(" · ".join(f"{o['units']} for {o['ref']}" for o in entry["orders"]), size=13,
                               color=ft.Colors.BLUE_GREY_600)], expand=True, spacing=2),
            ft.Text(entry["sku"], color=ft.Colors.BLUE_GREY_500),
        ]), padding=12, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100), border_radius=10))
            for entry in wanted], spacing=8),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=14)
