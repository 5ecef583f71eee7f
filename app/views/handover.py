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

    def take_off(manifest_id: str, tracking_number: str) -> None:
        tell(shift.work.take_off_manifest(manifest_id, tracking_number))

    return ft.Column([
        screen_title("Carrier handover"),
        ft.Text("Scan each parcel's label as the driver takes it.", size=15),
        ScanField(scan, label="Scan a parcel label", refocus=feedback),
        feedback_bar(feedback, "handover-feedback"),
        DocumentButtons(papers, tell),
        *[_manifest(m, shift.work.manifest_parcels(m["id"]), close, take_off) for m in open_manifests],
        ft.Text("Packed, waiting for the carrier", size=18, weight=ft.FontWeight.BOLD),
        ft.Column([ft.Row([
            ft.Icon(ft.Icons.CHECK_BOX if p["tracking_number"] in on_manifests else ft.Icons.CHECK_BOX_OUTLINE_BLANK,
                    color=ft.Colors.GREEN_700 if p["tracking_number"] in on_manifests else ft.Colors.BLUE_GREY_400),
            ft.Text(p["tracking_number"], font_family="monospace", size=16),
            ft.Text(f"{v['order']['external_ref']} · {CARRIERS.get(v.get('carrier') or '', v.get('carrier') or '')}"),
        ]) for v in waiting for p in v["parcels"]]) if waiting else ft.Text("No packed parcels waiting."),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12)


def _manifest(manifest: dict, parcels: list[dict], close, take_off) -> ft.Control:  # noqa: ANN001
    return tagged(f"manifest-{manifest['carrier']}", ft.Card(ft.Container(ft.Column([
        ft.Row([ft.Text(f"{CARRIERS.get(manifest['carrier'], manifest['carrier'])} · manifest {manifest['id']}",
                        size=18, weight=ft.FontWeight.BOLD, expand=True),
                ft.Text(counted(len(parcels), 'parcel'), size=16),
                ft.FilledButton("Close and hand over", icon=ft.Icons.LOCAL_SHIPPING,
                                on_click=lambda _: close(manifest["id"]))]),
        *[_scanned(p, lambda _, tn=p["tracking_number"]: take_off(manifest["id"], tn)) for p in parcels],
        *([] if parcels else [ft.Text("No parcels scanned yet")]),
    ]), padding=14)))


def _scanned(parcel: dict, take_off) -> ft.Control:  # noqa: ANN001
    """A parcel on the manifest; in red when its order may no longer leave (cancelled since the scan)."""
    colour = ft.Colors.RED_900 if parcel["held"] else None
    return tagged(f"on-manifest-{parcel['tracking_number']}", ft.Container(ft.Row([
        ft.Text(parcel["tracking_number"], font_family="monospace", size=16, color=colour),
        ft.Text(f"{parcel['ref']} is {parcel['held']}: remove it from the manifest" if parcel["held"]
                else parcel["ref"],
                color=colour, weight=ft.FontWeight.W_600 if parcel["held"] else None, expand=True),
        ft.OutlinedButton("Remove from manifest", icon=ft.Icons.REMOVE_CIRCLE_OUTLINE, on_click=take_off),
    ], spacing=12), padding=ft.Padding.symmetric(horizontal=8, vertical=2), border_radius=6,
        bgcolor=ft.Colors.RED_100 if parcel["held"] else None))
