"""Every control that shows only an icon, and every dropdown, has a name, which a screen reader
says and by which tests find it (get_by_role("button", name=...)). Read from the views' source:
a new unnamed one fails here, before anyone has to tab through the screen to notice."""

import ast
from pathlib import Path

import flet as ft

from app.views.common import dropdown, icon_button

VIEWS = Path(__file__).resolve().parents[2] / "app" / "views"
ICON_BUTTONS = {"IconButton", "FilledIconButton", "FilledTonalIconButton", "OutlinedIconButton"}
LABELLED_BUTTONS = {"Button", "ElevatedButton", "FilledButton", "FilledTonalButton", "OutlinedButton", "TextButton"}


def _called(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _content(node: ast.Call, keyword: str) -> ast.expr | None:
    given = {k.arg: k.value for k in node.keywords}
    return node.args[0] if node.args else given.get(keyword)


def _is_labelled_icon(node: ast.expr | None) -> bool:
    # Flutter names an icon button after its icon's label (a tooltip alone names a node around it).
    return (isinstance(node, ast.Call) and _called(node) == "Icon"
            and any(k.arg == "semantics_label" for k in node.keywords))


def unnamed(source: str) -> list[int]:
    """The lines of controls in `source` that show only an icon, or are dropdowns, and have no name."""
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    # Flutter web names a dropdown after a Semantics label around it, not after its own label.
    labelled = {id(_content(node, "content")) for node in calls
                if _called(node) == "Semantics" and any(k.arg == "label" for k in node.keywords)}
    lines = []
    for node in calls:
        called, given = _called(node), {k.arg for k in node.keywords}
        if called == "Dropdown":
            named = id(node) in labelled
        elif called in ICON_BUTTONS:
            named = _is_labelled_icon(_content(node, "icon"))
        elif called in LABELLED_BUTTONS:
            named = bool(node.args) or "content" in given  # its label is its name
        elif "on_click" in given:  # a tappable container, say: an icon alone needs a tooltip
            content = _content(node, "content")
            named = not (isinstance(content, ast.Call) and _called(content) == "Icon") or "tooltip" in given
        else:
            continue
        if not named:
            lines.append(node.lineno)
    return lines


def test_every_icon_only_control_of_the_views_has_a_name():
    found = {path.name: unnamed(path.read_text()) for path in sorted(VIEWS.glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_what_counts_as_unnamed():
    assert unnamed('ft.Dropdown(label="Carrier", options=o)') == [1]
    assert unnamed('ft.Semantics(identifier="carrier", content=ft.Dropdown(label="Carrier", options=o))') == [1]
    assert unnamed('ft.Semantics(label="Carrier", content=ft.Dropdown(label="Carrier", options=o))') == []
    assert unnamed('ft.IconButton(ft.Icons.ADD, tooltip="One more", on_click=f)') == [1]
    assert unnamed('ft.IconButton(icon=ft.Icons.ADD, on_click=f)') == [1]
    assert unnamed('ft.OutlinedButton(icon=ft.Icons.ADD, on_click=f)') == [1]
    assert unnamed('ft.Container(ft.Icon(ft.Icons.ADD), on_click=f)') == [1]
    assert unnamed('ft.IconButton(ft.Icon(ft.Icons.ADD, semantics_label="One more"), on_click=f)') == []
    assert unnamed('ft.OutlinedButton("One more", icon=ft.Icons.ADD, on_click=f)') == []
    assert unnamed('ft.Container(ft.Icon(ft.Icons.ADD), tooltip="One more", on_click=f)') == []


def test_an_icon_button_is_named_after_its_icon_and_says_so_on_hover():
    button = icon_button(ft.Icons.ADD, "One more parcel", lambda _: None)
    assert (button.icon.semantics_label, button.tooltip) == ("One more parcel", "One more parcel")


def test_a_dropdown_is_named_after_its_label_and_says_what_is_chosen():
    chosen = []
    named = dropdown("Carrier", "ups", {"dpd": "DPD", "ups": "UPS"}, chosen.append, width=220)
    assert (named.label, named.value, named.content.label) == ("Carrier", "UPS", "Carrier")
    assert [(o.key, o.text) for o in named.content.options] == [("dpd", "DPD"), ("ups", "UPS")]
    named.content.on_select(type("Event", (), {"control": type("Control", (), {"value": "dpd"})})())
    assert chosen == ["dpd"]
