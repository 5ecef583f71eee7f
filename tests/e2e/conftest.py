"""End to end: the real core and the real store app as servers, driven in
headless Chromium (Playwright) the way an associate would use them.

Chromium must be at /usr/bin/chromium (Debian's package); without it these
tests skip with the reason, and fail in CI (BACKROOM_REQUIRE_SERVICES=1).
Set BACKROOM_SCREENSHOTS=<dir> to keep a screenshot of each screen.
"""

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from backroom.process import core_server, free_port, store_app_server
from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import make_engine, session_scope
from oms_core.seed import ean13
from oms_core.services import auth, catalog
from oms_core.services import stock as stock_service
from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
STORE = "LYS-01"
ITEMS = {  # sku: (name, barcode, price, weight in kg: the pack screen weighs a parcel by them)
    "TEE-BLU-M": ("T-shirt blue M", ean13("360000000011"), "19.90", 0.2),
    "JNS-BLK-32": ("Jeans black 32", ean13("360000000022"), "59.90", 0.8),
    "CAP-RED-U": ("Cap red", ean13("360000000033"), "14.90", 0.1),
}
LYON = {"line1": "2 rue de la République", "city": "Lyon", "postcode": "69002", "country": "FR",
        "lat": 45.7640, "lon": 4.8357}


@dataclass
class Shop:
    core_url: str
    app_url: str
    key: str  # a channel's API key
    admin: str
    database_url: str
    app_data: str
    core_port: int
    core: ExitStack  # the running core; stop_core() and start_core() take the shop's line down and up

    def stop_core(self) -> None:
        self.core.close()

    def start_core(self) -> None:
        self.core.enter_context(core_server(self.database_url, port=self.core_port))

    def place(self, lines: list[tuple[str, int]], ref: str, email: str | None = None, kit: tuple[str, ...] = (),
              **delivery) -> dict:  # noqa: ANN003
        """A web order; the SKUs in `kit` are one ship-together set."""
        customer = {"name": "Ana Lopes", "phone": "+33600000000"} | ({"email": email} if email else {})
        body = {"channel": "web", "external_ref": ref, "customer": customer,
                "delivery": delivery or {"method": "home", "address": LYON},
                "lines": [{"sku": sku, "qty": qty, "unit_price": float(ITEMS[sku][2])}
                          | ({"ship_together": "KIT"} if sku in kit else {}) for sku, qty in lines]}
        response = httpx.post(f"{self.core_url}/api/v1/orders", json=body, headers={"Authorization": f"Bearer {self.key}"})
        assert response.status_code == 201, response.text
        return response.json()

    def fulfilment(self, fulfilment_id: str) -> dict:
        response = httpx.get(f"{self.core_url}/api/v1/fulfilments/{fulfilment_id}",
                             headers={"Authorization": f"Bearer {self.admin}"})
        return response.json()


def prepare_network(database_url: str) -> tuple[str, str]:
    engine = make_engine(Settings(database_url=database_url))
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        catalog.upsert_locations(session, [
            {"code": STORE, "name": "Lyon Bellecour", "type": "store", "lat": 45.7578, "lon": 4.8320,
             "ship_from_store": True, "click_collect": True, "returns": True,
             "address": {"line1": "12 place Bellecour", "postcode": "69002", "city": "Lyon"}},
            {"code": "WH-LYS", "name": "Lyon warehouse", "type": "warehouse", "lat": 45.6453, "lon": 5.1117,
             "address": {"line1": "Parc de Chesnes", "postcode": "38070", "city": "Saint-Quentin-Fallavier"}},
        ])
        catalog.upsert_products(session, [{"sku": sku, "name": name, "price": Decimal(price), "barcodes": [code],
                                           "weight_kg": kg} for sku, (name, code, price, kg) in ITEMS.items()])
        stock_service.count(session, [stock_service.Count(STORE, sku, 20) for sku in ITEMS], "e2e")
        auth.create_staff(session, STORE, "S001", "1234", "associate", "Hugo")
        auth.create_staff(session, STORE, "M001", "4321", "manager", "Maud")
        key = auth.create_api_key(session, "webshop", "channel")
        admin = auth.create_api_key(session, "head-office", "admin")
    engine.dispose()
    return key, admin


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    need(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    database_url = f"sqlite:///{tmp_path / 'core.db'}"
    key, admin = prepare_network(database_url)
    core_port = free_port()
    with ExitStack() as core_stack, ExitStack() as app_stack:
        core = core_stack.enter_context(core_server(database_url, port=core_port))
        app = app_stack.enter_context(store_app_server(core.url, str(tmp_path / "store")))
        yield Shop(core.url, app.url, key, admin, database_url, str(tmp_path / "store"), core_port, core_stack)
        # Shown by pytest only when the test failed: what the servers said last.
        print("--- store app log (last 60 lines) ---\n", *app.log[-60:], "--- core log (last 30 lines) ---\n",
              *core.log[-30:], sep="")
        # A browser's connection the app broke is reconnected and looks fine, but what was in flight is gone.
        # Not so when the browser left (a tab closed) while the app was sending to it: the failed send marks
        # the socket closed, and Flet's next read raises starlette's WebSocketDisconnected, which it logs as
        # a receive loop error too (it only expects WebSocketDisconnect). Nothing was broken by the app.
        broken = [line for line in app.log if "Receive loop error" in line and not any(
            gone in line for gone in ("WebSocket is not connected", "once a disconnect message has been received"))]
        assert not broken, "".join(broken)


@pytest.fixture
def browser() -> Iterator:
    need(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


# Runs in each page before its own scripts: clicks Flutter's semantics placeholder the moment it is attached.
SEMANTICS_ON = """
new MutationObserver((_, observer) => {
  const placeholder = document.querySelector('flt-semantics-placeholder');
  if (placeholder) {
    observer.disconnect();
    window.backroomSemanticsAsked = true;
    placeholder.click();
  }
}).observe(document, {childList: true, subtree: true});
"""


class Screen:
    """One associate's browser tab on the store app."""

    def __init__(self, browser, url: str, shots: str | None = os.environ.get("BACKROOM_SCREENSHOTS")) -> None:  # noqa: ANN001
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import expect

        self.expect = expect
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        # Nothing leaves this machine (Flet asks a CDN for an optional script).
        self.context.route("**/*", lambda route: route.continue_()
                           if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost") else route.abort())
        # Flutter's semantics tree (the roles and names the tests find controls by) is turned on by a click on
        # its placeholder, from the page itself as soon as the engine puts it there: before the app has even
        # connected, so before any screen is drawn. Turned on later, after a field took the focus as it was
        # drawn (the sign-in's Store), Flutter keeps typing in its own hidden editor: the app gets the text,
        # but the textbox found by its name never shows it, and typing into it seems lost. A click sent from
        # here waits for two round trips to the browser: on a loaded machine they once took longer than the
        # app took to draw the sign-in (CI: Store "kept no typed text"); 0.75 s late is enough to lose.
        self.context.add_init_script(SEMANTICS_ON)
        self.page = self.context.new_page()
        self.page.goto(url)
        try:  # the engine takes the placeholder away once semantics are on
            self.page.wait_for_function("window.backroomSemanticsAsked && !document.querySelector("
                                        "'flt-semantics-placeholder')", timeout=60_000)
        except PlaywrightTimeout:
            raise AssertionError("the app's semantics were never turned on (Flutter did not load?)") from None
        self.shots = Path(shots) if shots else None

    def tagged(self, identifier: str):  # noqa: ANN201
        return self.page.locator(f"[flt-semantics-identifier='{identifier}']")

    def says(self, identifier: str, text: str | tuple[str, ...], timeout: float = 10_000) -> None:
        """Wait until the tagged element reads `text`, or one of several (Flutter puts a group's
        words in its label)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        texts = [text] if isinstance(text, str) else list(text)
        try:
            self.page.wait_for_function(
                """([identifier, texts]) => [...document.querySelectorAll(`[flt-semantics-identifier='${identifier}']`)]
                     .some(e => texts.some(t => ((e.getAttribute('aria-label') || '') + ' ' + e.textContent).includes(t)))""",
                arg=[identifier, texts], timeout=timeout,
            )
        except PlaywrightTimeout:
            said = self.page.evaluate(
                """identifier => [...document.querySelectorAll(`[flt-semantics-identifier='${identifier}']`)]
                     .map(e => (e.getAttribute('aria-label') || '') + ' ' + e.textContent)""", identifier)
            raise AssertionError(f"{identifier} never said {text!r}; it says {said}") from None

    def eventually(self, read, good, timeout: float = 10.0):  # noqa: ANN001, ANN201
        """Read until `good(value)`: for state outside the page (the core's), which no event announces here."""
        deadline = time.monotonic() + timeout
        while not good(value := read()) and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)  # the page keeps running while we ask again
        assert good(value), value
        return value

    def button(self, name: str, within=None):  # noqa: ANN001, ANN201
        return (within or self.page).get_by_role("button", name=name, exact=True)

    def textbox(self, name: str, within=None):  # noqa: ANN001, ANN201
        return (within or self.page).get_by_role("textbox", name=name)

    def dropdown(self, name: str, within=None):  # noqa: ANN001, ANN201
        """A dropdown by its name (its label), whatever it shows as chosen: it is named "Carrier Colissimo"."""
        return (within or self.page).get_by_role("button", name=re.compile(f"^{re.escape(name)}( |$)"))

    def choose(self, name: str, option: str, within=None) -> None:  # noqa: ANN001
        """Open a dropdown by its name and pick an option (the menu's items are buttons named after them)."""
        self.tap(self.dropdown(name, within))
        self.tap(self.button(option))

    def tap(self, control) -> None:  # noqa: ANN001
        """Click a control on a long, scrolling screen. Playwright scrolls the page's DOM and
        Flutter follows frames later, so its click can land on a neighbour; a mouse wheel
        scrolls Flutter itself. So: wheel the control into sight, let it settle, click."""
        self.expect(control).to_be_attached()
        height = self.page.viewport_size["height"]
        for _ in range(20):
            box = control.bounding_box()
            if box is not None and 110 <= box["y"] and box["y"] + box["height"] <= height - 10:
                break
            self.page.mouse.move(self.page.viewport_size["width"] / 2, height / 2)
            self.page.mouse.wheel(0, (box["y"] - height / 2) if box else -height / 2)
            self.page.wait_for_function("""async (node) => {
                const frames = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
                const before = node.getBoundingClientRect();
                for (let i = 0; i < 3; i++) await frames();
                return before.top === node.getBoundingClientRect().top;
            }""", arg=control.element_handle())
        control.click()

    def accept(self, ref: str) -> None:
        """Accept an order from its card in the queue, once it has arrived."""
        card = self.tagged(f"card-{ref}")
        self.expect(card).to_be_visible(timeout=10_000)
        self.button("Accept", within=card).click()
        self.says("feedback", f"{ref} accepted")

    def sign_in(self, staff: str = "S001", pin: str = "1234", store: str | None = STORE) -> None:
        self.fill({"Store": store} if store is not None and self.textbox("Store").is_editable() else {})
        self.fill({"Staff code": staff, "PIN": pin})
        # Enter follows the PIN's last keystroke in the same input stream (a click could overtake it).
        self.page.keyboard.press("Enter")
        try:  # the first sign-in also enrols the device and takes the store's snapshot: give a loaded machine time
            self.expect(self.tagged("sync-badge")).to_be_visible(timeout=60_000)
        except AssertionError:
            said = self.page.evaluate("""[...document.querySelectorAll("[flt-semantics-identifier='sign-in-error']")]
                                         .map(e => e.textContent)""")
            shown = {label: self.textbox(label).input_value() for label in ("Store", "Staff code", "PIN")}
            raise AssertionError(f"not signed in; the form says {said}, its fields show {shown}") from None

    def fill(self, values: dict[str, str]) -> None:
        """Type into several fields, then look at them all again, as a person does before
        going on: a field that lost its text meanwhile is typed into again. The last field
        keeps the focus (an Enter may follow)."""
        for label, text in values.items():
            self.type_into(label, text)
        lost = [label for label, text in values.items() if self.textbox(label).input_value() != text]
        for label in lost:
            self.type_into(label, values[label])
        last = list(values)[-1:]
        if lost and lost[-1:] != last:
            self.type_into(last[0], values[last[0]])

    def type_into(self, label: str, text: str, within=None) -> None:  # noqa: ANN001
        """Focus a field and type, key by key, as a person does."""
        self._type(self.textbox(label, within), text, tap=True)

    def scan(self, code: str) -> None:
        """What a keyboard-wedge scanner does in the focused scan field: the code's keys, then Enter."""
        field = self.page.get_by_role("textbox", name=re.compile("^Scan"))
        self.expect(field).to_be_focused(timeout=10_000)
        self.expect(field).to_have_value("")  # the last scan has been taken: the field is empty again
        self._type(field, code, tap=False)
        self.page.keyboard.press("Enter")

    def _type(self, field, text: str, tap: bool) -> None:  # noqa: ANN001
        # Keys typed while Flutter is still attaching its editor to a field that just
        # took the focus are overwritten when it attaches (CI once lost a scan's first
        # character so); a screen's scan field takes the focus once it is drawn, which
        # on a busy machine can come after the tap on another field. So the text must
        # still be there once Flutter has drawn a few frames. A person would see either
        # and tap or type again.
        for _ in range(3):
            try:
                if tap:
                    self.tap(field)
                    self.expect(field).to_be_focused(timeout=2_000)
                self.page.keyboard.press("Control+A")
                self.page.keyboard.press("Backspace")
                self.page.keyboard.type(text)
                self.expect(field).to_have_value(text, timeout=2_000)
                if self._settled_value(field) == text:
                    return
            except AssertionError:
                continue
        # The focus in Flutter's own hidden editor, not in the textbox: semantics were turned on
        # after a field had taken the focus (see __init__). Say so rather than "no text".
        assert not self.page.evaluate("!!document.activeElement?.closest('flt-text-editing-host')"), (
            "typing goes to Flutter's hidden editor, not to the textbox: "
            "semantics came on after a field had taken the focus")
        self.expect(field).to_have_value(text)
        assert self._settled_value(field) == text, f"{text!r} typed did not stay in the field"

    def _settled_value(self, field) -> str:  # noqa: ANN001
        """The field's text once Flutter has drawn a few frames: keys typed before it attached its
        editor to the field are by then overwritten with what it knew (the app never heard of them)."""
        return field.evaluate("""async (node) => {
            const frames = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            for (let i = 0; i < 3; i++) await frames();
            return node.value;
        }""")

    def snap(self, name: str) -> None:
        """Keep a screenshot once the picture has settled (the canvas lags the page's text)."""
        assert self.page.get_by_text("Error running app").count() == 0
        if self.shots is None:
            return
        self.shots.mkdir(parents=True, exist_ok=True)
        last = None
        for _ in range(20):
            shot = self.page.screenshot()
            if shot == last:
                break
            last = shot
            self.page.wait_for_timeout(200)  # frames to paint, not a synchronisation
        (self.shots / f"{name}.png").write_bytes(last)

    def close(self) -> None:
        """Leave, having checked that the app never fell over on the way."""
        assert self.page.get_by_text("Error running app").count() == 0
        self.context.close()


def decode_barcodes(pdf: bytes, workdir: Path) -> list[str]:
    """Read a PDF's barcodes back the way a carrier's scanner would."""
    need(bool(shutil.which("pdftoppm")) and bool(shutil.which("zbarimg")), "poppler-utils and zbar-tools needed")
    import subprocess

    (workdir / "label.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "203", "-png", str(workdir / "label.pdf"), str(workdir / "page")], check=True)
    found = []
    for page in sorted(workdir.glob("page*.png")):
        out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Scode128.enable", str(page)],
                             capture_output=True, text=True)
        found += out.stdout.split()
    return found
