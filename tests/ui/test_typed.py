"""What a form keeps of what is typed into it (app/views/common.py)."""

import flet as ft

from app.views.common import Typed


def _draw(typed: Typed, name: str, shows: str, **how) -> ft.TextField:  # noqa: ANN003
    """A field as the screen draws it, then as the associate left it."""
    field = ft.TextField(**typed.field(name, **how))
    field.value = shows
    return field


def test_an_action_takes_what_the_fields_show_even_when_their_change_events_are_late():
    typed = Typed(store="LYS-01", staff="", pin="")
    staff, pin = _draw(typed, "staff", "s001", transform=str.upper), _draw(typed, "pin", "1234")
    typed.field("store")  # bound, but its control not drawn yet: what was typed stays
    assert typed.shown() == {"store": "LYS-01", "staff": "S001", "pin": "1234"}
    assert staff.value and pin.value  # (the page holds the controls while they are drawn)


def test_an_untouched_field_stays_untyped():
    typed = Typed()
    field = _draw(typed, "rule_sets[0].name", "home", default="home")
    assert typed.shown() == {} and field.value == "home"


def test_a_forgotten_field_is_not_brought_back_by_its_old_control():
    typed = Typed()
    field = _draw(typed, "take-TEE", "2")
    assert typed.shown() == {"take-TEE": "2"}
    typed.forget(["take-TEE"])
    assert typed.shown() == {} and field.value == "2"
    field = _draw(typed, "q", "dupont")
    typed.clear()
    assert typed.shown() == {} and field.value == "dupont"


def test_a_render_before_a_change_event_keeps_what_the_field_shows():
    """Drawn again while the field's change event is still on its way, the field keeps
    its text (a render from what was kept before would empty it under the associate)."""
    typed = Typed(staff="")
    field = _draw(typed, "staff", "s001", transform=str.upper)
    assert typed.field("staff", transform=str.upper)["value"] == "s001"
    assert field.value  # (the page holds the controls while they are drawn)


def test_a_render_sends_back_the_text_as_typed_and_an_action_reads_it_transformed():
    """A render that sent "S0" back to a field showing "s0" would overwrite the "01" typed
    meanwhile: the field gets its own text, the action the upper-cased code."""
    typed = Typed()
    field = _draw(typed, "staff", "s0", transform=str.upper)
    field.on_change(type("Change", (), {"control": field})())  # its change event arrives
    redrawn = ft.TextField(**typed.field("staff", transform=str.upper))
    assert redrawn.value == "s0"
    redrawn.value = "s001"  # the rest of the keys
    assert typed.shown() == {"staff": "S001"}


def test_what_an_action_puts_in_a_field_replaces_what_it_showed():
    typed = Typed(pin="")
    field = _draw(typed, "pin", "9999")
    typed.put("pin", "")  # a wrong PIN is cleared
    assert typed.field("pin")["value"] == "" and typed.shown() == {"pin": ""} and field.value == "9999"


def test_what_an_action_puts_in_a_field_is_read_transformed_too():
    typed = Typed()
    _draw(typed, "sku", "tee", transform=str.upper)
    typed.put("sku", "jns-blk")
    assert typed.shown() == {"sku": "JNS-BLK"}
