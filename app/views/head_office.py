"""Head office in the store app: signed in with an admin API key (held in
memory for this session only), it edits the routing profile, tries a draft
on recent orders, puts it in force, and rolls back to an earlier version."""

import copy

import flet as ft

from contract.errors import DomainError

from ..insights import Insights, condition_text, filters_text, move_rule_set, number_or_text, problems, set_at
from ..work import Feedback, Tone
from .common import Typed, feedback_bar, screen, screen_title, tagged
from .context import go, use_feedback, use_shift

NAVIGATION = [
    ("/", "Routing profile", ft.Icons.ALT_ROUTE),
    ("/versions", "Versions", ft.Icons.HISTORY),
    ("/search", "Find an order", ft.Icons.SEARCH),
]


@ft.component
def HeadOfficeSignIn(back) -> ft.Control:  # noqa: ANN001
    shift = use_shift()
    typed = ft.use_memo(lambda: Typed(key=""), [])
    error, set_error = ft.use_state("")

    async def submit(_=None) -> None:  # noqa: ANN001
        try:
            office = await Insights(shift.store).head_office(typed["key"])
        except DomainError as exc:
            set_error(exc.message)
            return
        shift.head_office = office

    return ft.Column([
        tagged("head-office-title", ft.Column([  # its own node: the field's name stays "Admin API key"
            ft.Row([ft.Icon(ft.Icons.ADMIN_PANEL_SETTINGS, size=36, color=ft.Colors.INDIGO_900),
                    ft.Text("Head office", size=30, weight=ft.FontWeight.BOLD)]),
            ft.Text("Paste an admin API key. It stays in this browser session's memory only.", size=14,
                    color=ft.Colors.BLUE_GREY_600)], spacing=8)),
        ft.TextField(label="Admin API key", value=typed["key"], password=True, can_reveal_password=True,
                     on_change=typed.keeper("key"), on_submit=submit),
        tagged("head-office-error", ft.Text(error, color=ft.Colors.RED_800, weight=ft.FontWeight.W_600)),
        ft.FilledButton("Sign in to head office", icon=ft.Icons.ADMIN_PANEL_SETTINGS, on_click=submit,
                        width=360, height=48),
        ft.TextButton("Back to staff sign-in", on_click=lambda _: back()),
    ], spacing=14, tight=True, width=360)


@screen
def HeadOfficeShell() -> ft.Control:
    shift = use_shift()
    here = ft.use_route_location()
    nav = [ft.Button(label, icon=icon, on_click=lambda _, p=path: go(p),
                     style=ft.ButtonStyle(bgcolor=ft.Colors.AMBER_300, color=ft.Colors.BLACK)
                     if (here == path or (path != "/" and here.startswith(path))) else None)
           for path, label, icon in NAVIGATION]

    def sign_out() -> None:
        shift.head_office = None  # the key is forgotten with it
        go("/")

    header = ft.Container(ft.Column([
        ft.Row([ft.Icon(ft.Icons.ADMIN_PANEL_SETTINGS, color=ft.Colors.WHITE),
                ft.Text("Head office · network", size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE,
                        expand=True),
                tagged("associate", ft.Text("admin key", color=ft.Colors.WHITE)),
                ft.TextButton("Sign out", icon=ft.Icons.LOGOUT, on_click=sign_out,
                              style=ft.ButtonStyle(color=ft.Colors.WHITE))]),
        ft.Row(nav, spacing=8, wrap=True),
    ], spacing=10), bgcolor=ft.Colors.INDIGO_900, padding=ft.Padding.symmetric(horizontal=16, vertical=10))
    return ft.Column([header, ft.Container(ft.use_route_outlet(), expand=True, padding=16)], expand=True, spacing=0)


def _fold(draft: dict, typed: Typed) -> dict:
    """The draft with what is typed in its fields (keyed by field path)."""
    for path, text in typed.items():
        draft = set_at(draft, path, number_or_text(text))
    return draft


@screen
def RoutingProfile() -> ft.Control:
    shift = use_shift()
    key = shift.head_office.key
    feedback, tell = use_feedback()
    current, set_current = ft.use_state(None)
    draft, set_draft = ft.use_state(None)
    trial, set_trial = ft.use_state(None)
    edits, set_edits = ft.use_state(0)  # a field was left: check the draft again
    typed = ft.use_memo(Typed, [])
    insights = ft.use_memo(lambda: Insights(shift.store), [])

    async def load() -> None:
        try:
            profile = await insights.profile(key)
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))
            return
        typed.clear()
        set_current(profile)
        set_draft(copy.deepcopy(profile["profile"]))

    ft.use_effect(load, [])
    if draft is None:
        return ft.Column([screen_title("Routing profile"), feedback_bar(feedback),
                          ft.Row([ft.ProgressRing(width=20, height=20), ft.Text("Reading the profile in force…")])])
    folded = _fold(draft, typed)
    wrong = problems(folded)

    def checked(_=None) -> None:  # noqa: ANN001
        set_edits(edits + 1)

    def replace(new: dict) -> None:
        typed.clear()
        set_draft(new)

    async def dry_run() -> None:
        try:
            set_trial(await insights.dry_run(key, _fold(draft, typed)))
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))

    async def put_in_force() -> None:
        try:
            saved = await insights.put_in_force(key, _fold(draft, typed))
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))  # the core names the field at fault
            return
        tell(Feedback(Tone.DONE, f"Version {saved['version']} is in force"))
        typed.clear()
        set_trial(None)
        set_current(saved)
        set_draft(copy.deepcopy(saved["profile"]))

    def number(path: str, label: str, value: object, width: int = 250) -> ft.Control:
        return ft.TextField(label=label, value=typed.get(path, "" if value is None else str(value)),
                            on_change=typed.keeper(path), on_blur=checked, on_submit=checked, width=width,
                            dense=True, error=wrong.get(path))

    def rule_card(i: int, rule: dict) -> ft.Control:
        base = f"rule_sets[{i}]"
        split = rule.get("split") or {}
        rank = rule.get("rank") or [{"by": "cost"}]
        name = rule.get("name", f"#{i + 1}")
        return tagged(f"rule-{i}", ft.Container(ft.Column([
            ft.Row([ft.Text(f"{i + 1}. {name}", size=17, weight=ft.FontWeight.BOLD, expand=True),
                    ft.IconButton(ft.Icons.ARROW_UPWARD, tooltip="Earlier", disabled=i == 0,
                                  on_click=lambda _: replace(move_rule_set(_fold(draft, typed), i, -1))),
                    ft.IconButton(ft.Icons.ARROW_DOWNWARD, tooltip="Later", disabled=i == len(folded["rule_sets"]) - 1,
                                  on_click=lambda _: replace(move_rule_set(_fold(draft, typed), i, 1)))]),
            ft.Text(f"When: {condition_text(rule.get('when'))}", size=13),
            ft.Text(f"Filters: {filters_text(rule.get('filters'))}", size=13),
            ft.Row([ft.Text("Ranked by", size=13, width=80),
                    *[number(f"{base}.rank[{j}].tolerance", f"{c.get('by')} tolerance ({name})",
                             c.get("tolerance", 0)) for j, c in enumerate(rank)]], wrap=True),
            ft.Row([ft.Checkbox(label="Split allowed", value=split.get("allowed", True),
                                on_change=lambda e: replace(set_at(_fold(draft, typed), f"{base}.split.allowed",
                                                                   bool(e.control.value)))),
                    number(f"{base}.split.max_parcels", f"Max parcels ({name})", split.get("max_parcels", 3)),
                    number(f"{base}.split.min_value_per_parcel", f"Min value per parcel ({name})",
                           split.get("min_value_per_parcel", 0), width=290)], wrap=True),
        ], spacing=6), padding=12, border=ft.Border.all(1, ft.Colors.BLUE_GREY_200), border_radius=8))

    return ft.Column([
        screen_title(f"Routing profile · version {current['version']} in force",
                     ft.OutlinedButton("Dry run", icon=ft.Icons.SCIENCE, on_click=dry_run, disabled=bool(wrong)),
                     ft.FilledButton("Put in force", icon=ft.Icons.PUBLISH, on_click=put_in_force,
                                     disabled=bool(wrong))),
        feedback_bar(feedback),
        tagged("profile-problems", ft.Text(
            "; ".join(f"{field or 'profile'}: {message}" for field, message in wrong.items()) if wrong
            else "The draft is valid", color=ft.Colors.RED_800 if wrong else ft.Colors.GREEN_800,
            weight=ft.FontWeight.W_600)),
        ft.Text(f"{folded.get('name', '')} · fallback: {folded.get('fallback', 'backorder')} · "
                f"saved by {current['created_by']} on {str(current['created_at'])[:16].replace('T', ' ')}",
                size=13, color=ft.Colors.BLUE_GREY_600),
        _trial(trial) if trial else ft.Container(),  # first: it answers the button just pressed
        *[rule_card(i, rule) for i, rule in enumerate(folded.get("rule_sets", []))],
    ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=12)


def _trial(trial) -> ft.Control:  # noqa: ANN001
    return tagged("dry-run", ft.Column([
        ft.Text("Dry run on recent orders", size=18, weight=ft.FontWeight.BOLD),
        tagged("dry-run-summary", ft.Text(trial.summary, weight=ft.FontWeight.W_600)),
        ft.DataTable(columns=[ft.DataColumn(ft.Text(h)) for h in ("Order", "In force", "Draft")]
                     + [ft.DataColumn(ft.Text(h), numeric=True) for h in ("Cost in force", "Cost draft")], rows=[
            ft.DataRow([ft.DataCell(ft.Text(r.ref)), ft.DataCell(ft.Text(r.active)),
                        ft.DataCell(ft.Text(r.draft, weight=ft.FontWeight.BOLD if r.changed else None,
                                            color=ft.Colors.DEEP_ORANGE_800 if r.changed else None)),
                        ft.DataCell(ft.Text(f"{r.active_cost:.2f}")), ft.DataCell(ft.Text(f"{r.draft_cost:.2f}"))])
            for r in trial.rows]),
    ], spacing=8))


@screen
def Versions() -> ft.Control:
    shift = use_shift()
    key = shift.head_office.key
    feedback, tell = use_feedback()
    versions, set_versions = ft.use_state(None)
    insights = ft.use_memo(lambda: Insights(shift.store), [])

    async def load() -> None:
        try:
            set_versions(await insights.versions(key))
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))

    ft.use_effect(load, [])

    def activator(version: int):  # noqa: ANN202
        async def activate() -> None:
            try:
                saved = await insights.activate(key, version)
            except DomainError as exc:
                tell(Feedback(Tone.ERROR, exc.message))
                return
            tell(Feedback(Tone.DONE, f"Version {version} is in force again, as version {saved['version']}"))
            await load()

        return activate

    rows = [tagged(f"version-{v['version']}", ft.Container(ft.Row([
        ft.Text(f"v{v['version']}", weight=ft.FontWeight.BOLD, width=60),
        ft.Text(v["name"], width=220),
        ft.Text(str(v["created_at"])[:16].replace("T", " "), width=160),
        ft.Text(v["created_by"], expand=True),
        ft.Container(ft.Text("IN FORCE", color=ft.Colors.GREEN_900, weight=ft.FontWeight.BOLD),
                     bgcolor=ft.Colors.GREEN_100, border_radius=12, padding=ft.Padding.symmetric(horizontal=10, vertical=4))
        if v["active"] else ft.OutlinedButton("Activate", icon=ft.Icons.RESTORE, on_click=activator(v["version"])),
    ]), padding=ft.Padding.symmetric(horizontal=12, vertical=6), bgcolor=ft.Colors.BLUE_GREY_50, border_radius=8))
        for v in versions or []]
    return ft.Column([screen_title("Routing profile versions"), feedback_bar(feedback), ft.Column(rows, spacing=6)],
                     scroll=ft.ScrollMode.AUTO, expand=True, spacing=14)
