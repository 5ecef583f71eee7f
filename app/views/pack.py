import flet as ft

from contract.parcels import BOX_SIZES, CARRIERS

from ..work import PlannedParcel, shared
from .common import dropdown, feedback_bar, icon_button, screen, screen_title, tagged
from .context import go, use_feed, use_feedback, use_shift
from .documents import DocumentButtons


@screen
def Pack() -> ft.Control:
    shift = use_shift()
    use_feed()
    feedback, tell = use_feedback()
    fulfilment_id = ft.use_route_params()["id"]
    view = shift.store.cache.fulfilment(fulfilment_id)
    products = shift.store.cache.products(line["sku"] for line in (view or {}).get("lines", []))
    weight = sum(products.get(l["sku"], {}).get("weight_kg", 0.0) * l["qty"] for l in (view or {}).get("lines", []))
    parcels, set_parcels = ft.use_state([PlannedParcel("M", round(weight, 2))])
    carrier, set_carrier = ft.use_state("colissimo")
    papers, set_papers = ft.use_state(None)
    if view is None:
        return ft.Column([screen_title("Order not found"), ft.Button("Back", on_click=lambda _: go("/"))])

    def change(index: int, box: str | None = None, weight_kg: str | None = None) -> None:
        current = parcels[index]
        try:
            kg = float(weight_kg.replace(",", ".")) if weight_kg is not None else current.weight_kg
        except ValueError:
            kg = current.weight_kg
        updated = list(parcels)
        updated[index] = PlannedParcel(box or current.box, max(kg, 0.0))
        set_parcels(updated)

    def count(n: int) -> None:
        set_parcels(shared(parcels, weight, n))

    def pack() -> None:
        set_papers(tell(shift.work.pack(shift.associate, fulfilment_id, list(parcels), carrier)))

    packed = view["status"] == "packed"
    rows = [
        ft.Row([
            ft.Text(f"Parcel {i + 1}", size=16, weight=ft.FontWeight.W_600, width=90),
            tagged(f"box-{i + 1}", dropdown("Box", p.box, {k: f"{k} · {v}" for k, v in BOX_SIZES.items()},
                                            lambda box, i=i: change(i, box=box), width=300, disabled=packed)),
            ft.TextField(label="Weight (kg)", value=f"{p.weight_kg:g}", width=140, disabled=packed,
                         keyboard_type=ft.KeyboardType.NUMBER,
                         on_blur=lambda e, i=i: change(i, weight_kg=e.control.value),
                         on_submit=lambda e, i=i: change(i, weight_kg=e.control.value)),
        ])
        for i, p in enumerate(parcels)
    ]
    return ft.Column([
        screen_title(f"Pack {view['order']['external_ref']}",
                     ft.OutlinedButton("Order", icon=ft.Icons.RECEIPT, on_click=lambda _: go(f"/orders/{fulfilment_id}"))),
        feedback_bar(feedback, "pack-feedback"),
        ft.Text(", ".join(f"{l['qty']} × {products.get(l['sku'], {}).get('name', l['sku'])}" for l in view["lines"]),
                size=16),
        ft.Row([
            tagged("carrier", dropdown("Carrier", carrier, CARRIERS, set_carrier, width=220, disabled=packed)),
            ft.Text("Parcels", size=16),
            icon_button(ft.Icons.REMOVE, "One parcel fewer", lambda _: count(len(parcels) - 1), disabled=packed),
            tagged("parcel-count", ft.Text(str(len(parcels)), size=20, weight=ft.FontWeight.BOLD)),
            icon_button(ft.Icons.ADD, "One more parcel", lambda _: count(len(parcels) + 1), disabled=packed),
        ]),
        *rows,
        ft.Row([
            ft.FilledButton("Pack and make labels", icon=ft.Icons.INVENTORY_2, on_click=pack, disabled=packed,
                            height=48),
            ft.OutlinedButton("Reprint labels (same tracking)", icon=ft.Icons.REFRESH, disabled=not packed,
                              on_click=lambda _: set_papers(tell(shift.work.labels(fulfilment_id, reprint=True)))),
        ]),
        DocumentButtons(papers, tell),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=14)
