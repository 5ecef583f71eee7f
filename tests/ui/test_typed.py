"""What a form keeps of what is typed into it (app/views/common.py)."""

import flet as ft

from app.views.common import Typed


def test_a_submit_takes_what_the_fields_show_even_when_their_change_events_are_late():
    typed = Typed(store="", staff="", pin="")
    staff, pin = ft.TextField(value="s001"), ft.TextField(value="1234")  # drawn: the page holds them
    typed.ref("staff", str.upper).current = staff
    typed.ref("pin").current = pin
    typed.ref("store")  # not drawn yet: what was typed stays
    typed["store"] = "LYS-01"
    typed.settle_all()
    assert typed == {"store": "LYS-01", "staff": "S001", "pin": "1234"}


def test_a_field_is_bound_once_whatever_the_number_of_renders():
    typed = Typed(code="")
    assert typed.ref("code") is typed.ref("code")
