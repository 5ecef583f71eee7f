"""Endless aisle (online): sell what this store does not hold. Find the product,
see this store's and the network's stock, fill a cart, choose how it reaches
the customer, place the order (channel store). Rules in app/counter.py."""

from datetime import date
from decimal import Decimal

import flet as ft

from contract.money import money
from contract.words import counted, status_words

from ..counter import Sale, option_words, price_words, when
from ..store import place_name
from ..work import Feedback, Tone
from .common import Typed, feedback_bar, icon_button, screen, screen_title, tagged
from .context import SpeakerContext, use_feedback, use_latest, use_one_at_a_time, use_shift
from .counter import TypedFields, use_desk
from .pick import ScanField, say


@screen
def EndlessAisle() -> ft.Control:
    shift = use_shift()
    desk = use_desk()
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    me = shift.associate
    products, set_products = ft.use_state([])
    sale, set_sale = ft.use_state(lambda: Sale.start(me.store))  # the cart, the delivery, the order's reference
    confirmed = ft.use_ref(None)  # the reference the core last confirmed
    typed = ft.use_memo(Typed, [])  # customer and address fields
    customer_round, set_customer_round = ft.use_state(0)  # a new number: the customer fields start empty

    @use_latest
    async def scan(code: str) -> None:
        found, said = await desk.search(me, code)
        set_products(found)
        shown = tell(said or Feedback(Tone.OK, f"{counted(len(found), 'product')} found"))
        await say(speaker, shown)

    def add(product: dict) -> None:
        if sale.placed is not None:  # the next customer: the last one's details go
            forget_customer()
        set_sale(lambda current: current.add(product))

    def forget_customer() -> None:
        # Emptied when the next sale starts, not when the order is confirmed: the field typed in
        # last would be drawn afresh (or taken away) under the cursor, and take the focus the
        # scan field is given then with it.
        typed.clear()
        set_customer_round(lambda n: n + 1)

    def remove(sku: str) -> None:
        set_sale(lambda current: current.remove(sku))

    async def ask_options() -> None:
        asked = sale
        found, said = await desk.options(me, asked.cart, typed.shown().get("postcode", ""))
        # Offered only if the cart is still the one asked about.
        set_sale(lambda current: current.offer(found) if current.cart == asked.cart else current)
        tell(said or Feedback(Tone.OK, f"{counted(len(found), 'delivery option')}: choose one"))

    @use_one_at_a_time
    async def place() -> None:
        if confirmed.current == sale.ref:
            return  # a tap once it is confirmed
        # Said at once, which also gives the focus back to the scan field while the button tapped is
        # still there: disabled under the focus once the order is confirmed, it would take the focus
        # with it, and the next customer's first scan would go nowhere.
        tell(Feedback(Tone.OK, f"Placing order {sale.ref}…"))
        customer = typed.shown()
        order, said = await desk.place(me, sale.ref, sale.cart, customer, sale.option, customer)
        tell(said)
        if order is not None:
            confirmed.current = sale.ref
            set_sale(lambda current: current.confirmed(order))

    def start_again() -> None:
        set_products([])
        set_sale(Sale.start(me.store))
        forget_customer()
        tell(Feedback(Tone.OK, "New cart"))

    cart = sale.cart
    today = shift.store.time.today()  # the network's day, that of its promises
    currency = shift.store.currency
    chosen = sale.option
    # Always in sight below the scrolling sale: on a tablet the cart, the options and the customer's
    # address push the button below the screen's edge.
    footer = tagged("aisle-footer", ft.Container(ft.Row([
        ft.Text(f"Total {money(sale.to_pay, currency)}", size=18, weight=ft.FontWeight.BOLD),
        ft.Text(f"{option_words(chosen, shift.store.network)}, {when(chosen, today)}" if chosen
                else "Choose a delivery option" if cart else "", size=16, expand=True),
        ft.FilledButton("Place order", icon=ft.Icons.SHOPPING_CART_CHECKOUT, on_click=place,
                        disabled=not cart or chosen is None),
    ], spacing=16), padding=ft.Padding.only(top=10),
        border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.BLUE_GREY_100))))
    return ft.Column([ft.Column([
        screen_title("Endless aisle", ft.OutlinedButton("New cart", icon=ft.Icons.ADD_SHOPPING_CART,
                                                        on_click=lambda _: start_again())),
        ft.Container(ScanField(scan, label="Scan a product or type its name", refocus=feedback), width=640),
        feedback_bar(feedback, "aisle-feedback"),
        _confirmation(sale.placed, sale.placed_option, today, shift.store.network, currency)
        if sale.placed else ft.Container(),
        ft.Column([_product(p, add, currency) for p in products], spacing=6),
        ft.Text("Cart", size=18, weight=ft.FontWeight.BOLD),
        ft.Column([tagged(f"cart-{sku}", ft.Row([
            ft.Text(item["name"], size=16, expand=True), ft.Text(f"× {item['qty']}", size=16, width=60),
            ft.Text(money(item["qty"] * Decimal(str(item["price"])), currency), size=16, width=90),
            icon_button(ft.Icons.DELETE_OUTLINE, f"Remove {item['name']}", lambda _, s=sku: remove(s)),
        ])) for sku, item in cart.items()] or [ft.Text("Empty: add products found above.")]),
        # The home delivery's date depends on where the customer lives: asked for their postcode.
        ft.Row([TypedFields(typed, [("postcode", "Postcode for home delivery", 280, False)],
                            generation=customer_round),
                ft.FilledButton("Delivery options", icon=ft.Icons.LOCAL_SHIPPING, on_click=ask_options,
                                disabled=not cart)], alignment=ft.MainAxisAlignment.END),
        ft.Column([_option(o, o == sale.option, lambda o: set_sale(lambda current: current.choose(o)), today,
                           shift.store.network, currency) for o in sale.options], spacing=6),
        _customer(typed, sale.option or sale.placed_option, customer_round),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12), footer], expand=True, spacing=0)


def _product(product: dict, add, currency: str) -> ft.Control:  # noqa: ANN001
    places = product["elsewhere"]  # nearest first: the few closest say enough
    elsewhere = [ft.Text(f"{units} at {place}", size=13) for place, units in places[:3]]
    if len(places) > 3:
        elsewhere.append(ft.Text(f"and at {counted(len(places) - 3, 'more location')}", size=13,
                                 color=ft.Colors.BLUE_GREY_600))
    return tagged(f"product-{product['sku']}", ft.Container(ft.Row([
        ft.Column([ft.Text(product["name"], size=17, weight=ft.FontWeight.W_600),
                   ft.Text(f"{product['sku']} · {money(product['price'], currency)}", size=13, color=ft.Colors.BLUE_GREY_600)],
                  spacing=2, expand=True),
        ft.Text(f"Here: {product['here']}", size=15, width=150,  # the header says which store
                color=ft.Colors.RED_800 if not product["here"] else ft.Colors.GREEN_800),
        ft.Text(f"Network: {product['network']}", size=15, width=120),
        ft.Column(elsewhere or [ft.Text("nowhere else", size=13)], spacing=2, width=260),
        ft.Button("Add to cart", icon=ft.Icons.ADD, on_click=lambda _: add(product), disabled=not product["network"]),
    ], spacing=12), padding=10, border_radius=8, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100)))


def _option(option: dict, chosen: bool, choose, today: date, network: dict[str, dict],  # noqa: ANN001
            currency: str) -> ft.Control:
    return tagged(f"option-{option['kind']}{'-' + option['store'] if option.get('store') else ''}", ft.Container(ft.Row([
        ft.Icon(ft.Icons.RADIO_BUTTON_CHECKED if chosen else ft.Icons.RADIO_BUTTON_UNCHECKED, color=ft.Colors.BLUE_700),
        ft.Text(option_words(option, network), size=16, weight=ft.FontWeight.W_600, expand=True),
        ft.Text(f"{'ready' if option['kind'] in ('click_collect', 'express_pickup') else 'delivered'} "
                f"{when(option, today)}", size=15, width=220),
        ft.Text(f"from {', '.join(place_name(code, network) for code in option['sources'])}", size=14, width=180),
        ft.Text(f"{option['carbon_kg']:.2f} kg CO2", size=13, width=90),
        ft.Text(price_words(option["price"], currency), size=16, weight=ft.FontWeight.W_600, width=80,
                text_align=ft.TextAlign.RIGHT),
        ft.Button("Choose", on_click=lambda _: choose(option), disabled=chosen),
    ], spacing=12), padding=8, border_radius=8, bgcolor=ft.Colors.AMBER_50 if chosen else None,
        border=ft.Border.all(1, ft.Colors.BLUE_GREY_100)))


def _customer(typed: Typed, option: dict | None, generation: object) -> ft.Control:
    home = option is not None and option["kind"].startswith("home")
    return ft.Column([
        ft.Text("Customer", size=18, weight=ft.FontWeight.BOLD),
        TypedFields(typed, [("name", "Customer name", 260, False), ("phone", "Phone", 260, False),
                            ("email", "E-mail", 300, False)], generation=generation),
        TypedFields(typed, [("line1", "Street", 340, False), ("city", "City", 260, False)],
                    generation=generation) if home else ft.Container(),
    ], spacing=8)


def _confirmation(order: dict, option: dict | None, today: date, network: dict[str, dict],
                  currency: str) -> ft.Control:
    lines = sum(line["qty"] for line in order["lines"])
    how = f"{option_words(option, network)}, {when(option, today)}" if option else ""
    paid = Decimal(str(order["total_value"])) + Decimal(str(order.get("delivery_price") or 0))
    delivery = f" (delivery {price_words(order['delivery_price'], currency)})" if "delivery_price" in order else ""
    return tagged("aisle-confirmation", ft.Container(ft.Column([
        ft.Row([ft.Icon(ft.Icons.TASK_ALT, color=ft.Colors.GREEN_800, size=30),
                ft.Text(f"Order {order['external_ref']} confirmed", size=20, weight=ft.FontWeight.BOLD,
                        color=ft.Colors.GREEN_900)]),
        ft.Text(f"{counted(lines, 'item')} · {money(paid, currency)}{delivery} · {status_words(order['status'])}",
                size=16),
        ft.Text(how, size=16) if how else ft.Container(),
        ft.Text(f"Customer: {(order.get('customer') or {}).get('name', '')}", size=16),
    ], spacing=6), padding=16, border_radius=10, bgcolor=ft.Colors.GREEN_50))
