import flet as ft

from contract.parcels import CARRIERS
from contract.words import counted

from .common import feedback_bar, screen, screen_title, tagged
from .context import SpeakerContext, use_feed, use_feedback, use_latest, use_shift
from .documents import DocumentButtons
from .pick import ScanField, say


@screen
def Handover() -> ft.Control:
    """Scan parcels onto today's manifest of their carrier; closing it ships the orders."""
    shift = use_shift()
    use_feed()
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    papers, set_papers = ft.use_state(None)
    manifests = shift.work.manifests
    open_manifests = manifests.open()
    waiting = shift.store.work_here(["packed"])
    on_manifests = manifests.scanned()

    @use_latest
    async def scan(code: str) -> None:
        await say(speaker, tell(shift.work.scan_parcel(shift.associate, code)))

    def close(manifest_id: str) -> None:
        set_papers(tell(shift.work.close_manifest(shift.associate, manifest_id)))

    return ft.Column([
        screen_title("Carrier handover"),
        ft.Text("Scan each parcel's label as the driver takes it.", size=15),
        ScanField(scan, label="Scan a parcel label", refocus=feedback),
        feedback_bar(feedback, "handover-feedback"),
        DocumentButtons(papers, tell),
        *[_manifest(m, manifests.parcels(m["id"]), close) for m in open_manifests],
        ft.Text("Packed, waiting for the carrier", size=18, weight=ft.FontWeight.BOLD),
        ft.Column([ft.Row([
            ft.Icon(ft.Icons.CHECK_BOX if p["tracking_number"] in on_manifests else ft.Icons.CHECK_BOX_OUTLINE_BLANK,
                    color=ft.Colors.GREEN_700 if p["tracking_number"] in on_manifests else ft.Colors.BLUE_GREY_400),
            ft.Text(p["tracking_number"], font_family="monospace", size=16),
            ft.Text(f"{v['order']['external_ref']} · {CARRIERS.get(v.get('carrier') or '', v.get('carrier') or '')}"),
        ]) for v in waiting for p in v["parcels"]]) if waiting else ft.Text("No packed parcels waiting."),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12)


def _manifest(manifest: dict, parcels: list[dict], close) -> ft.Control:  # noqa: ANN001
    return tagged(f"manifest-{manifest['carrier']}", ft.Card(ft.Container(ft.Column([
        ft.Row([ft.Text(f"{CARRIERS.get(manifest['carrier'], manifest['carrier'])} · manifest {manifest['id']}",
                        size=18, weight=ft.FontWeight.BOLD, expand=True),
                ft.Text(counted(len(parcels), 'parcel'), size=16),
                ft.FilledButton("Close and hand over", icon=ft.Icons.LOCAL_SHIPPING,
                                on_click=lambda _: close(manifest["id"]))]),
        ft.Text(", ".join(p["tracking_number"] for p in parcels) or "No parcels scanned yet",
                font_family="monospace"),
    ]), padding=14)))
