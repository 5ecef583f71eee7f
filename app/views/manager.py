"""The manager's dashboard: the store's KPIs and trends, rejections, the
team's activity, stock alerts, what the manager may set, and CSV exports."""

import flet as ft
import flet_charts as fch

from contract.errors import DomainError
from contract.words import counted

from ..dates import StoreTime
from ..insights import EXPORTS, PERIODS, Dashboard, Insights
from ..store import PauseSwitch, place_name
from ..work import Feedback, Tone
from .common import Typed, feedback_bar, inline_feedback, screen, screen_title, tagged
from .context import go, use_feed, use_feedback, use_shift
from .documents import DocumentButtons


@screen
def Manager() -> ft.Control:
    shift = use_shift()
    me = shift.associate
    feedback, tell = use_feedback()
    period, set_period = ft.use_state("today")
    data, set_data = ft.use_state(None)
    alerts, set_alerts = ft.use_state(None)
    papers, set_papers = ft.use_state(None)
    location = shift.store.cache.location() or {}
    typed = ft.use_memo(lambda: Typed(sku="", threshold="", capacity=str(location.get("daily_capacity", ""))), [])
    capacity_said, tell_capacity = ft.use_state(None)  # said next to its control, not at the top
    reading, set_reading = ft.use_state(True)  # the core's numbers are on their way
    insights = ft.use_memo(lambda: Insights(shift.store), [])

    async def load() -> None:
        if not me.is_manager:
            return
        tell(None)  # what an earlier load said (signed in offline, say) is no longer so
        set_reading(True)
        try:
            set_data(await insights.dashboard(me.token, period))
            set_alerts(await insights.stock_alerts(me.token))
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))  # said instead of the numbers, which are not coming
        finally:
            set_reading(False)

    ft.use_effect(load, [period, me.token])  # an offline sign-in gets its token once the core answers
    if not me.is_manager:
        return ft.Column([screen_title("Managers only"),
                          tagged("refused", ft.Text("The dashboard is for the store's managers.")),
                          ft.Button("Back to the queue", on_click=lambda _: go("/"))])

    async def set_alert() -> None:
        shown = typed.shown()
        try:
            said = await insights.set_threshold(me.token, me.store, shown["sku"], shown["threshold"])
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))
            return
        tell(Feedback(Tone.OK, said))
        set_alerts(await insights.stock_alerts(me.token))

    async def export(kind: str) -> None:
        try:
            document = await insights.export(me.token, kind, period)
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))
            return
        set_papers(Feedback(Tone.OK, f"{document.filename} is ready", (document,)))

    periods = ft.Row([
        tagged(f"period-{key}", ft.Button(label, on_click=lambda _, k=key: set_period(k),
                                          style=ft.ButtonStyle(bgcolor=ft.Colors.AMBER_300, color=ft.Colors.BLACK)
                                          if key == period else None))
        for key, label in PERIODS.items()
    ], spacing=8)

    async def save_capacity() -> None:
        try:
            said = await insights.set_capacity(me.token, me.store, typed.shown()["capacity"])
        except DomainError as exc:
            tell_capacity(Feedback(Tone.ERROR, exc.message))
            return
        tell_capacity(Feedback(Tone.OK, said))

    return ft.Column([
        screen_title(f"Manager · {place_name(me.store, shift.store.network)}", periods),
        feedback_bar(feedback),
        *(_dashboard(data, shift.store.time) if data is not None and data.period == period else
          [tagged("reading", ft.Row([ft.ProgressRing(width=20, height=20), ft.Text("Reading the system's numbers…")]))]
          if reading else []),
        _section("Stock alerts"),
        _alerts(alerts),
        ft.Row([ft.TextField(label="SKU", **typed.field("sku", str.upper), width=200,
                             capitalization=ft.TextCapitalization.CHARACTERS),
                ft.TextField(label="Alert at or below", **typed.field("threshold"),
                             keyboard_type=ft.KeyboardType.NUMBER, width=180, hint_text="empty: no alert"),
                ft.FilledButton("Set alert", icon=ft.Icons.NOTIFICATIONS, on_click=set_alert)], wrap=True),
        _section("Exports (CSV, this period)"),
        ft.Row([ft.OutlinedButton(f"{name} CSV", icon=ft.Icons.DOWNLOAD,
                                  on_click=_exporter(export, kind)) for kind, name in EXPORTS.items()],
               wrap=True),
        DocumentButtons(papers, tell),
        _section("Store settings"),
        ft.Text(f"Ship from store: {_yes(location.get('ship_from_store'))} · click & collect: "
                f"{_yes(location.get('click_collect'))}"),
        ft.Row([ft.TextField(label="Orders a day, at most", **typed.field("capacity"), keyboard_type=ft.KeyboardType.NUMBER, width=220),
                ft.FilledButton("Save capacity", icon=ft.Icons.SAVE, on_click=save_capacity),
                inline_feedback(capacity_said, "capacity-feedback")]),
        Pause(),
        ft.OutlinedButton("Label printer settings", icon=ft.Icons.PRINT, on_click=lambda _: go("/settings")),
    ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=14)


@ft.component
def Pause() -> ft.Control:
    """The pause switch, drawn again with the cache (the rest of the dashboard need not be)."""
    shift = use_shift()
    use_feed()  # another tablet's pause comes with the sync
    switch = ft.use_memo(PauseSwitch, [])
    said, tell = ft.use_state(None)  # said next to the switch, not at the top

    async def toggle(e) -> None:  # noqa: ANN001
        answer = await shift.store.set_paused(shift.associate, bool(e.control.value))
        switch.answered(answer, shift.store.cache.location())  # refused: the switch goes back to how it stands
        tone = Tone.ERROR if not answer.done else Tone.WARNING if answer.paused else Tone.OK
        tell(Feedback(tone, answer.message))

    return ft.Row([tagged("pause", ft.Switch(label="Pause: send this store no new orders",
                                             value=switch.shows(shift.store.cache.location()), on_change=toggle)),
                   inline_feedback(said, "pause-feedback")])


def _exporter(export, kind: str):  # noqa: ANN001, ANN202
    async def run() -> None:
        await export(kind)

    return run


def _yes(flag: object) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def _section(title: str) -> ft.Control:
    return ft.Text(title, size=18, weight=ft.FontWeight.BOLD)


def _dashboard(data: Dashboard, store_time: StoreTime) -> list[ft.Control]:
    tiles = ft.Row([
        tagged(f"kpi-{t.key}", ft.Container(ft.Column([
            ft.Text(t.label, size=13, color=ft.Colors.BLUE_GREY_700),
            ft.Text(t.value, size=26, weight=ft.FontWeight.BOLD),
            ft.Text(t.detail, size=12, color=ft.Colors.BLUE_GREY_600),
        ], spacing=2), width=170, padding=12, bgcolor=ft.Colors.BLUE_GREY_50, border_radius=8))
        for t in data.tiles
    ], wrap=True, spacing=10, run_spacing=10)
    charts = ft.Row([
        _card("Orders per day", _bars([(store_time.readable(d.day), d.orders) for d in data.days], ft.Colors.BLUE_400)),
        _card("Orders per associate", _bars(list(data.team), ft.Colors.TEAL_400)),
        _card("Why orders were given back", tagged("rejections", ft.Column(
            [ft.Row([ft.Text(reason, expand=True), ft.Text(str(count), weight=ft.FontWeight.BOLD)])
             for reason, count in data.rejections] or [ft.Text("No order was given back in this period")],
            spacing=6))),
    ], wrap=True, spacing=12, run_spacing=12, vertical_alignment=ft.CrossAxisAlignment.START)
    return [tiles, charts]


def _card(title: str, content: ft.Control) -> ft.Control:
    return ft.Container(ft.Column([ft.Text(title, weight=ft.FontWeight.BOLD), content], spacing=8),
                        width=380, height=280, padding=12, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100),
                        border_radius=8)


def _bars(points: list[tuple[str, int]], colour: str) -> ft.Control:
    if not points:
        return ft.Text("Nothing in this period")
    top = max(n for _, n in points) or 1
    step = max(1, round(top / 4))  # whole numbers: these are counts
    return fch.BarChart(
        groups=[fch.BarChartGroup(x=i, rods=[fch.BarChartRod(to_y=n, width=22, color=colour, tooltip=f"{label}: {n}",
                                                             border_radius=4)])
                for i, (label, n) in enumerate(points)],
        bottom_axis=fch.ChartAxis(labels=[fch.ChartAxisLabel(value=i, label=ft.Text(label, size=11))
                                          for i, (label, _) in enumerate(points)], label_size=24),
        left_axis=fch.ChartAxis(label_size=32, label_spacing=step),
        horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.BLUE_GREY_100, width=1, interval=step),
        max_y=top + step, interactive=True, expand=True,
    )


def _alerts(alerts: dict | None) -> ft.Control:
    if alerts is None:
        return ft.Container()
    low = alerts["low_stock"]
    missing = alerts["discrepancies"]
    rows = [ft.DataRow([ft.DataCell(ft.Text(a["sku"])), ft.DataCell(ft.Text(a["name"])),
                        ft.DataCell(ft.Text(str(a["atp"]))), ft.DataCell(ft.Text(str(a["threshold"])))])
            for a in low]
    return tagged("stock-alerts", ft.Column([
        ft.DataTable(columns=[ft.DataColumn(ft.Text("SKU")), ft.DataColumn(ft.Text("Product")),
                              ft.DataColumn(ft.Text("Available"), numeric=True),
                              ft.DataColumn(ft.Text("Alert at"), numeric=True)], rows=rows)
        if rows else ft.Text("No SKU at or below its alert threshold"),
        # One report per give-back: a SKU reported missing twice is one SKU.
        ft.Text(f"{counted(len({d['sku'] for d in missing}), 'SKU')} reported missing at pick in the last 7 days"
                if missing else
                "Nothing reported missing at pick in the last 7 days", size=13, width=520),
    ], spacing=6))
