"""The click & collect counter: serve a customer, the shelf, parcels arriving.
Thin: the rules live in app/counter.py."""

import flet as ft

from contract.reasons import CANCEL_REASONS
from contract.words import counted, status_words

from ..counter import CounterDesk
from ..store import place_name
from ..work import Tone
from .common import Typed, dropdown, feedback_bar, screen, screen_title, tagged
from .context import SpeakerContext, go, use_feed, use_feedback, use_latest, use_one_at_a_time, use_shift
from .pick import ScanField, say


@ft.component
def _TypedFields(typed: Typed, fields: tuple, on_submit, generation: object, on_change) -> ft.Control:  # noqa: ANN001
    def kept(name: str) -> dict:
        field = typed.field(name)
        if on_change is None:
            return field
        keep = field["on_change"]

        def changed(e) -> None:  # noqa: ANN001
            keep(e)
            on_change()

        return {**field, "on_change": changed}

    return ft.Row([
        ft.TextField(label=label, **kept(name), width=width, key=f"{name}-{generation}", on_submit=on_submit,
                     keyboard_type=ft.KeyboardType.NUMBER if numeric else ft.KeyboardType.TEXT)
        for name, label, width, numeric in fields
    ], wrap=True, spacing=10)


def TypedFields(typed: Typed, fields: list[tuple[str, str, int, bool]], on_submit=None,  # noqa: ANN001
                generation: object = 0, on_change=None) -> ft.Control:  # noqa: ANN001
    """Text fields (name, label, width, numeric) kept in `typed`, drawn again only when
    the fields or `generation` change: a screen that follows the cache renders often,
    and a render while someone types would send older text back over their keystrokes.
    `on_submit` and `on_change` (told after each change is kept, for what follows the
    typing, such as a total) must keep their identity (use_latest); a new `generation`
    empties them."""
    return ft.memo(_TypedFields)(typed, tuple(fields), on_submit, generation, on_change)


def use_desk() -> CounterDesk:
    shift = use_shift()
    return ft.use_memo(lambda: CounterDesk(shift.store), [])


def counter_tabs(here: str) -> list[ft.Control]:
    tabs = [("/counter", "Pickup", ft.Icons.PERSON_SEARCH), ("/counter/shelf", "Shelf", ft.Icons.SHELVES),
            ("/counter/arrivals", "Arrivals", ft.Icons.MOVE_TO_INBOX)]
    return [ft.OutlinedButton(label, icon=icon, on_click=lambda _, p=path: go(p),
                              style=ft.ButtonStyle(bgcolor=ft.Colors.AMBER_100) if path == here else None)
            for path, label, icon in tabs]


@screen
def Pickup() -> ft.Control:
    """Find the customer's order (or scan their QR), check their code, hand over."""
    shift = use_shift()
    use_feed()
    desk = use_desk()
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    # Brought here from the order's screen ("Serve at the counter"), or found by a search below.
    serving = ft.use_route_params().get("id")
    brought = ft.use_memo(lambda: desk.serve(serving), [])
    found, set_found = ft.use_state(brought.ids)
    selected, set_selected = ft.use_state(brought.chosen)
    verified, set_verified = ft.use_state({})  # fulfilment id -> the code or QR the customer presented
    partial, set_partial = ft.use_state(False)
    rest, set_rest = ft.use_state("keep")
    reason, set_reason = ft.use_state(None)
    typed = ft.use_memo(Typed, [])
    me = shift.associate

    @use_latest
    async def scan(code: str) -> None:
        result = desk.find(code)
        if result.views:
            set_found(result.ids)
            set_verified(lambda known: {**known, **result.verified})
            set_selected(result.chosen)
            set_partial(False)
        await say(speaker, tell(result.feedback))

    def check(fulfilment_id: str) -> None:
        presented = typed.shown().get("code", "")
        said = tell(desk.verify(fulfilment_id, presented))
        if said.tone is Tone.OK:
            set_verified(lambda known: {**known, fulfilment_id: presented.strip()})

    @use_latest
    def submit_code(_) -> None:  # noqa: ANN001
        if selected:
            check(selected)

    @use_one_at_a_time  # (the core would send one copy anyway)
    async def send_code_again(fulfilment_id: str) -> None:
        await say(speaker, tell(await desk.send_code_again(me, fulfilment_id)))

    def hand_over(fulfilment_id: str, some: bool) -> None:
        shown = typed.shown()
        taken = {k[5:]: v for k, v in shown.items() if k.startswith("take-")} if some else None
        said = tell(desk.collect(me, fulfilment_id, verified.get(fulfilment_id), taken, rest, reason))
        if said.tone is Tone.DONE:
            set_partial(False)
            typed.forget(k for k in shown if k.startswith("take-"))

    views = shift.store.cache.fulfilments_of(found)
    chosen = next((v for v in views if v["id"] == selected), None)
    return ft.Column([
        screen_title("Click & collect counter", *counter_tabs("/counter")),
        ft.Container(ScanField(scan, label="Scan the customer's QR, or type an order number, name or phone",
                               refocus=feedback), width=640),
        feedback_bar(feedback, "counter-feedback"),
        ft.Column([_found(v, v["id"] == selected, lambda fid: (set_selected(fid), set_partial(False)))
                   for v in views], spacing=6),
        _serve(chosen, shift.store.cache.products(line["sku"] for line in chosen["lines"]), desk, typed,
               verified.get(chosen["id"]), partial, set_partial, rest, set_rest, reason, set_reason,
               check, hand_over, submit_code, send_code_again) if chosen else ft.Container(),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12)


def _found(view: dict, chosen: bool, choose) -> ft.Control:  # noqa: ANN001
    order = view["order"]
    customer = order.get("customer") or {}
    return tagged(f"found-{order['external_ref']}", ft.Container(ft.Row([
        ft.Icon(ft.Icons.SHOPPING_BAG, color=ft.Colors.BLUE_GREY_700),
        ft.Text(order["external_ref"], size=18, weight=ft.FontWeight.BOLD),
        ft.Text(f"{customer.get('name', '')} · {customer.get('phone') or ''}", expand=True),
        ft.Text(status_words(view["status"]).upper(), weight=ft.FontWeight.W_600),
        ft.Text(f"shelf {view['shelf']}" if view.get("shelf") else ""),
        ft.Button("Serve", icon=ft.Icons.ARROW_FORWARD, on_click=lambda _: choose(view["id"]), disabled=chosen),
    ], spacing=14), padding=10, border_radius=8,
        bgcolor=ft.Colors.AMBER_50 if chosen else ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100)))


def _serve(view: dict, products: dict, desk: CounterDesk, typed: Typed, presented: str | None, partial: bool,
           set_partial, rest: str, set_rest, reason: str | None, set_reason, check, hand_over,  # noqa: ANN001
           submit_code, send_code_again) -> ft.Control:  # noqa: ANN001
    ref = view["order"]["external_ref"]
    waiting = desk.waiting(view["id"])
    word = {"ready_for_pickup": "waiting", "collected": "handed over"}.get(view["status"], "ordered")
    shown = waiting if view["status"] == "ready_for_pickup" else {line["sku"]: line["qty"] for line in view["lines"]}
    lines = [ft.Row([ft.Text(products.get(sku, {}).get("name", sku), size=16, expand=True),
                     ft.Text(f"{qty} {word}", size=16, weight=ft.FontWeight.W_600)])
             for sku, qty in shown.items() if qty]
    parts: list[ft.Control] = [
        ft.Row([ft.Text(f"Serve {ref}", size=20, weight=ft.FontWeight.BOLD, expand=True),
                ft.Text(status_words(view["status"]).upper() + (f" · shelf {view['shelf']}" if view.get("shelf") else ""),
                        size=16, weight=ft.FontWeight.W_600)]),
        *lines,
    ]
    if view["status"] != "ready_for_pickup":
        parts.append(ft.Text("Not on the shelf: nothing to hand over now" if view["status"] != "collected"
                             else "Collected: nothing left to hand over", color=ft.Colors.BLUE_GREY_700, size=16))
    elif presented is None:
        async def send_again(_) -> None:  # noqa: ANN001
            await send_code_again(view["id"])  # (a lambda returning the coroutine would never be awaited)

        resend = [ft.OutlinedButton("Send the code again", icon=ft.Icons.FORWARD_TO_INBOX, on_click=send_again)]
        parts += [ft.Text("Ask for the pickup code (or scan the customer's QR above).", size=15),
                  ft.Row([TypedFields(typed, [("code", "Pickup code", 240, False)], submit_code, view["id"]),
                          ft.FilledButton("Check code", icon=ft.Icons.VERIFIED_USER,
                                          on_click=lambda _: check(view["id"])),
                          *(resend if desk.can_send_code(view["id"]) else [])], wrap=True)]
    else:
        parts.append(ft.Row([ft.Icon(ft.Icons.VERIFIED, color=ft.Colors.GREEN_700),
                             ft.Text("Customer checked", color=ft.Colors.GREEN_800, weight=ft.FontWeight.W_600)]))
        parts.append(ft.Row([
            ft.FilledButton("Hand over everything", icon=ft.Icons.HANDSHAKE,
                            on_click=lambda _: hand_over(view["id"], False)),
            ft.OutlinedButton("Only some items…", icon=ft.Icons.CALL_SPLIT, on_click=lambda _: set_partial(not partial)),
        ], wrap=True))
        if partial:
            parts += [
                TypedFields(typed, [(f"take-{sku}", f"Takes {products.get(sku, {}).get('name', sku)} (of {qty})", 340, True)
                                    for sku, qty in waiting.items() if qty], generation=view["id"]),
                ft.Row([
                    dropdown("The rest", rest, {"keep": "Stays on the shelf", "cancel": "Is cancelled"}, set_rest,
                             width=240),
                    dropdown("Why cancelled", reason, CANCEL_REASONS, set_reason, width=300,
                             disabled=rest != "cancel"),
                    ft.FilledButton("Hand over these", icon=ft.Icons.HANDSHAKE,
                                    on_click=lambda _: hand_over(view["id"], True)),
                ], wrap=True),
            ]
    return tagged(f"serve-{ref}", ft.Container(ft.Column(parts, spacing=10), padding=16, border_radius=10,
                                              bgcolor=ft.Colors.BLUE_GREY_50))


@screen
def Shelf() -> ft.Control:
    """What waits for customers, where, and for how long (oldest first)."""
    use_shift()
    use_feed()
    desk = use_desk()
    rows = desk.shelf()
    return ft.Column([
        screen_title("Pickup shelf", *counter_tabs("/counter/shelf")),
        ft.Text(f"{counted(len(rows), 'order')} waiting for their customer" if rows else "Nothing waits on the shelf.",
                size=16),
        ft.Column([tagged(f"shelf-{r['ref']}", ft.Container(ft.Row([
            ft.Container(ft.Text(r["shelf"], size=20, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
                         bgcolor=ft.Colors.BLUE_GREY_700, border_radius=8, width=90,
                         padding=ft.Padding.symmetric(horizontal=10, vertical=6), alignment=ft.Alignment.CENTER),
            ft.Text(r["ref"], size=18, weight=ft.FontWeight.W_600, width=170),
            ft.Text(r["customer"], size=16, expand=True),
            ft.Text(counted(r['items'], 'item'), size=16, width=90),
            ft.Text(f"waiting {r['waited']}", size=16, weight=ft.FontWeight.W_600, width=160,
                    color=ft.Colors.RED_800 if r["waited"].endswith("days") else ft.Colors.BLUE_GREY_900),
            ft.OutlinedButton("Open", on_click=lambda _, fid=r["view"]["id"]: go(f"/orders/{fid}")),
        ], spacing=14), padding=10, border_radius=8, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100)))
            for r in rows], spacing=6),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12)


@screen
def Arrivals() -> ft.Control:
    """Scan in the parcels shipped here for click & collect customers."""
    shift = use_shift()
    use_feed()
    desk = use_desk()
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    typed = ft.use_memo(Typed, [])
    expected = desk.inbound()

    @use_latest
    async def scan(code: str) -> None:
        await say(speaker, tell(desk.receive(shift.associate, code, typed.shown().get("shelf"))))

    return ft.Column([
        screen_title("Parcels arriving", *counter_tabs("/counter/arrivals")),
        ft.Row([TypedFields(typed, [("shelf", "Pickup shelf (leave empty: ready with no shelf)", 380, False)]),
                ft.Text("then scan each parcel as it comes off the van.", size=15)]),
        ft.Container(ScanField(scan, label="Scan a parcel's tracking number", refocus=feedback), width=640),
        feedback_bar(feedback, "arrivals-feedback"),
        ft.Text("Expected here", size=18, weight=ft.FontWeight.BOLD),
        ft.Column([tagged(f"inbound-{v.get('tracking_number') or v['id']}", ft.Container(ft.Row([
            ft.Icon(ft.Icons.LOCAL_SHIPPING, color=ft.Colors.BLUE_GREY_700),
            ft.Text(v.get("tracking_number") or "no tracking yet", font_family="monospace", size=16, width=220),
            ft.Text(v["order"]["external_ref"], size=16, weight=ft.FontWeight.W_600, width=150),
            ft.Text(((v["order"].get("customer") or {}).get("name", "")), expand=True),
            ft.Text(f"from {place_name(v['location'], shift.store.network)} · {status_words(v['status'])}"),
        ], spacing=14), padding=10, border_radius=8, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100)))
            for v in expected], spacing=6) if expected else ft.Text("No parcel is on its way here."),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12)
