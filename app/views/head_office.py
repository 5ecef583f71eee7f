"""Head office in the store app: signed in with an admin API key (held in
memory for this session only), it edits the routing profile, tries a draft
on recent orders, puts it in force, and rolls back to an earlier version."""

import copy
import json

import flet as ft

from contract.errors import DomainError
from contract.money import money
from contract.routing import CAPABILITIES, CONDITION_OPERATORS, CRITERIA, FALLBACKS, LIST_OPERATORS, LOCATION_TYPES

from ..insights import Insights
from ..profile_draft import (DEFAULT_RANK, OPERATOR_WORDS, add_check, add_criterion, add_rule_set, at, check_path,
                             checks_of, condition_text, field_words, folded, move_rule_set, remove_check,
                             remove_criterion, remove_rule_set, set_at, set_check, shown, toggled)
from ..work import Feedback, Tone
from .common import Typed, dropdown, feedback_bar, icon_button, screen, screen_title, tagged
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
            office = await Insights(shift.store).head_office(typed.shown()["key"])
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
        ft.TextField(label="Admin API key", **typed.field("key"), password=True, can_reveal_password=True,
                     on_submit=submit),
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


@screen
def RoutingProfile() -> ft.Control:
    shift = use_shift()
    key = shift.head_office.key
    feedback, tell = use_feedback()
    current, set_current = ft.use_state(None)
    draft, set_draft = ft.use_state(None)
    trial, set_trial = ft.use_state(None)
    wrong, set_wrong = ft.use_state({})  # field path -> what the core says is wrong with it
    edits, set_edits = ft.use_state(0)  # a field was left: fold it in and check the draft again
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
    now = folded(draft, typed.shown()) if draft is not None else None

    async def check() -> None:
        if now is None:
            return
        try:
            set_wrong(await insights.check(key, now))
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))

    ft.use_effect(check, [json.dumps(now, sort_keys=True)])
    if draft is None:
        return ft.Column([screen_title("Routing profile"), feedback_bar(feedback),
                          ft.Row([ft.ProgressRing(width=20, height=20), ft.Text("Reading the profile in force…")])])

    def typed_draft() -> dict:
        """The draft with what the fields show folded in."""
        return folded(draft, typed.shown())

    def checked(_=None) -> None:  # noqa: ANN001
        set_edits(edits + 1)

    def replace(change) -> None:  # noqa: ANN001
        """Apply a change to the draft with what is typed folded in first (paths may move)."""
        new = change(typed_draft())
        typed.clear()
        set_draft(new)

    async def dry_run() -> None:
        try:
            set_trial(await insights.dry_run(key, typed_draft()))
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))

    async def put_in_force() -> None:
        try:
            saved = await insights.put_in_force(key, typed_draft())
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))  # the core names the field at fault
            return
        tell(Feedback(Tone.DONE, f"Version {saved['version']} is in force"))
        typed.clear()
        set_trial(None)
        set_current(saved)
        set_draft(copy.deepcopy(saved["profile"]))

    def entry(kind: str, path: str, label: str, width: int = 250, multiline: bool = False) -> ft.Control:
        """A typed field: its text is kept under kind:path and folded into the draft."""
        name = f"{kind}:{path}"
        return ft.TextField(label=label, **typed.field(name, default=shown(kind, at(now, path))), width=width,
                            dense=True, on_blur=checked, on_submit=checked, error=wrong.get(path),
                            multiline=multiline, min_lines=2 if multiline else None)

    def choice(path: str, label: str, options: tuple[str, ...], on_choose, width: int = 200,  # noqa: ANN001
               words: dict[str, str] | None = None) -> ft.Control:
        said = {o: (words or {}).get(o) or o.replace("_", " ") for o in options}
        return tagged(f"choice-{path}", dropdown(label, at(now, path), said,
                                                 on_choose, width=width, dense=True, error_text=wrong.get(path)))

    def flag(path: str, label: str, default: bool) -> ft.Control:
        return ft.Checkbox(label=label, value=bool(at(now, path, default)),
                           on_change=lambda e: replace(lambda d: set_at(d, path, bool(e.control.value))))

    def choices(path: str, label: str, options: tuple[str, ...], default: tuple[str, ...]) -> ft.Control:
        chosen = at(now, path, list(default))
        boxes = [ft.Checkbox(label=o.replace("_", " "), value=o in chosen,
                             on_change=lambda e, o=o: replace(lambda d: toggled(d, path, o, bool(e.control.value),
                                                                                 options, default)))
                 for o in options]
        problem = [ft.Text(wrong[path], color=ft.Colors.RED_800)] if path in wrong else []
        return ft.Row([ft.Text(label, size=13, width=90), *boxes, *problem], spacing=16)

    def condition(i: int) -> list[ft.Control]:
        base = f"rule_sets[{i}]"
        when = at(now, f"{base}.when")
        checks = checks_of(when)
        if checks is None:  # any / not: beyond the form, edited as JSON
            return [ft.Text(f"When {condition_text(when)}", size=13),
                    entry("json", f"{base}.when", "Condition as JSON", width=700, multiline=True)]
        rows = [ft.Text("Applies to every order" if not checks else "Applies to orders where all of these hold",
                        size=13)]
        for j, check in enumerate(checks):
            path = check_path(base, when, j)
            test = check.get("field")
            kind = ("list" if check.get("op") in LIST_OPERATORS else "number" if test == "value" else "text")
            rows.append(tagged(f"condition-{i}-{j}", ft.Row([
                choice(f"{path}.field", f"Test {j + 1}", tuple(CONDITION_OPERATORS),
                       lambda v, j=j: replace(lambda d: set_check(d, i, j, field=v)), width=190),
                choice(f"{path}.op", f"Operator {j + 1}", CONDITION_OPERATORS.get(test, ()),
                       lambda v, j=j: replace(lambda d: set_check(d, i, j, op=v)), width=170, words=OPERATOR_WORDS),
                entry(kind, f"{path}.value", f"Value {j + 1}" + (", comma-separated" if kind == "list" else ""),
                      width=260),
                icon_button(ft.Icons.DELETE_OUTLINE, f"Remove test {j + 1} of rule set {i + 1}",
                            lambda _, j=j: replace(lambda d: remove_check(d, i, j))),
            ], wrap=True)))
        rows.append(ft.TextButton("Add a test", icon=ft.Icons.ADD,
                                  on_click=lambda _: replace(lambda d: add_check(d, i))))
        return rows

    def rule_card(i: int) -> ft.Control:
        base = f"rule_sets[{i}]"
        count = len(now["rule_sets"])
        rank = at(now, f"{base}.rank", DEFAULT_RANK)
        return tagged(f"rule-{i}", ft.Container(ft.Column([
            ft.Row([ft.Text(f"{i + 1}.", size=17, weight=ft.FontWeight.BOLD),
                    entry("text", f"{base}.name", f"Name of rule set {i + 1}", width=320),
                    ft.Container(expand=True),
                    icon_button(ft.Icons.ARROW_UPWARD, f"Move rule set {i + 1} earlier",
                                lambda _: replace(lambda d: move_rule_set(d, i, -1)), disabled=i == 0),
                    icon_button(ft.Icons.ARROW_DOWNWARD, f"Move rule set {i + 1} later",
                                lambda _: replace(lambda d: move_rule_set(d, i, 1)), disabled=i == count - 1),
                    icon_button(ft.Icons.DELETE_OUTLINE, f"Remove rule set {i + 1}",
                                lambda _: replace(lambda d: remove_rule_set(d, i)), disabled=count == 1)]),
            _section("When"), *condition(i),
            _section("Which locations"),
            choices(f"{base}.filters.location_types", "Types", LOCATION_TYPES, LOCATION_TYPES),
            choices(f"{base}.filters.capabilities", "Must offer", CAPABILITIES, ()),
            ft.Row([entry("optional", f"{base}.filters.max_distance_km", "Max distance km, blank: any"),
                    entry("number", f"{base}.filters.min_capacity_left", "Min capacity left today"),
                    entry("number", f"{base}.filters.min_stock_cover", "Units kept back per SKU"),
                    entry("list", f"{base}.filters.exclude", "Never these locations, comma-separated",
                          width=380),
                    flag(f"{base}.filters.skip_paused", "Skip paused stores", True)], wrap=True),
            _section("Ranked by, in order"),
            *[tagged(f"criterion-{i}-{j}", ft.Row([
                choice(f"{base}.rank[{j}].by", f"Criterion {j + 1}", CRITERIA,
                       lambda v, j=j: replace(lambda d: set_at(d, f"{base}.rank[{j}].by", v))),
                entry("number", f"{base}.rank[{j}].tolerance", f"{str(c.get('by')).replace('_', ' ')} tolerance"),
                icon_button(ft.Icons.DELETE_OUTLINE, f"Remove criterion {j + 1} of rule set {i + 1}",
                            lambda _, j=j: replace(lambda d: remove_criterion(d, i, j)), disabled=len(rank) == 1),
            ])) for j, c in enumerate(rank)],
            ft.TextButton("Add a criterion", icon=ft.Icons.ADD, disabled=len(rank) >= len(CRITERIA),
                          on_click=lambda _: replace(lambda d: add_criterion(d, i))),
            _section("Splitting"),
            ft.Row([flag(f"{base}.split.allowed", "Split allowed", True),
                    entry("number", f"{base}.split.max_parcels", "Max parcels"),
                    entry("number", f"{base}.split.min_value_per_parcel", "Min value per parcel", width=290),
                    flag(f"{base}.ship_to_store", "Click & collect: ship what the store lacks", True)],
                   wrap=True),
        ], spacing=8), padding=12, border=ft.Border.all(1, ft.Colors.BLUE_GREY_200), border_radius=8))

    # The buttons, what is wrong with the draft and what its dry run found stay in sight while the
    # rule sets scroll under them: a profile is edited far down, and tried and put in force from there.
    return ft.Column([
        screen_title(f"Routing profile · version {current['version']} in force",
                     ft.OutlinedButton("Dry run", icon=ft.Icons.SCIENCE, on_click=dry_run, disabled=bool(wrong)),
                     ft.FilledButton("Put in force", icon=ft.Icons.PUBLISH, on_click=put_in_force,
                                     disabled=bool(wrong))),
        feedback_bar(feedback),
        tagged("profile-problems", ft.Text(
            "; ".join(f"{field_words(now, field)}: {message}" for field, message in wrong.items()) if wrong
            else "The draft is valid", color=ft.Colors.RED_800 if wrong else ft.Colors.GREEN_800,
            weight=ft.FontWeight.W_600)),
        tagged("dry-run-summary", ft.Text(f"Dry run on recent orders: {trial.summary(shift.store.currency)}",
                                          weight=ft.FontWeight.W_600)) if trial else ft.Container(),
        ft.Column([
            # Room above the first fields for their labels, which sit on their top border.
            ft.Container(ft.Row([entry("text", "name", "Profile name", width=320),
                                 choice("fallback", "What no rule set can serve", FALLBACKS,
                                        lambda v: replace(lambda d: set_at(d, "fallback", v)), width=320,
                                        words={"backorder": "waits for stock (backorder)",
                                               "park": "parked for customer service"})],
                                wrap=True), padding=ft.Padding.only(top=8)),
            ft.Text(f"Saved by {current['created_by']} on {shift.store.time.readable(current['created_at'])}",
                    size=13, color=ft.Colors.BLUE_GREY_600),
            _trial(trial, shift.store.currency) if trial else ft.Container(),
            *[rule_card(i) for i in range(len(now.get("rule_sets", [])))],
            ft.OutlinedButton("Add a rule set", icon=ft.Icons.ADD, on_click=lambda _: replace(add_rule_set)),
        ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=12),
    ], expand=True, spacing=12)


def _section(title: str) -> ft.Control:
    return ft.Text(title, size=14, weight=ft.FontWeight.BOLD, color=ft.Colors.INDIGO_900)


def _trial(trial, currency: str) -> ft.Control:  # noqa: ANN001
    """Order by order, where the draft would send it and what it would cost (the summary is above)."""
    return tagged("dry-run", ft.Column([
        ft.Text("Dry run on recent orders", size=18, weight=ft.FontWeight.BOLD),
        ft.DataTable(columns=[ft.DataColumn(ft.Text(h)) for h in ("Order", "In force", "Draft")]
                     + [ft.DataColumn(ft.Text(h), numeric=True) for h in ("Cost in force", "Cost draft")], rows=[
            ft.DataRow([ft.DataCell(ft.Text(r.ref)), ft.DataCell(ft.Text(r.active)),
                        ft.DataCell(ft.Text(r.draft, weight=ft.FontWeight.BOLD if r.changed else None,
                                            color=ft.Colors.DEEP_ORANGE_800 if r.changed else None)),
                        ft.DataCell(ft.Text(money(r.active_cost, currency))),
                        ft.DataCell(ft.Text(money(r.draft_cost, currency)))])
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

    store_time = shift.store.time
    rows = [tagged(f"version-{v['version']}", ft.Container(ft.Row([
        ft.Text(f"v{v['version']}", weight=ft.FontWeight.BOLD, width=60),
        ft.Text(v["name"], width=220),
        ft.Text(store_time.readable(v["created_at"]), width=160),
        ft.Text(v["created_by"], expand=True),
        ft.Container(ft.Text("IN FORCE", color=ft.Colors.GREEN_900, weight=ft.FontWeight.BOLD),
                     bgcolor=ft.Colors.GREEN_100, border_radius=12, padding=ft.Padding.symmetric(horizontal=10, vertical=4))
        if v["active"] else ft.OutlinedButton("Put in force", icon=ft.Icons.RESTORE,
                                              on_click=activator(v["version"])),
    ]), padding=ft.Padding.symmetric(horizontal=12, vertical=6), bgcolor=ft.Colors.BLUE_GREY_50, border_radius=8))
        for v in versions or []]
    return ft.Column([screen_title("Routing profile versions"), feedback_bar(feedback), ft.Column(rows, spacing=6)],
                     scroll=ft.ScrollMode.AUTO, expand=True, spacing=14)
