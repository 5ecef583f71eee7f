"""Pickup codes and QRs as customers present them: whatever was typed or scanned is
checked, and anything that is not the code is a wrong code, never a crash."""

import pytest

from contract.errors import InvalidInput
from contract.pickup import genuine_qr, pickup_code, qr_payload, verify

SECRET = "00" * 32
ORDER = "01a25153-5edf-7143-b3fc-99d0fb83eeaf"


def test_the_code_and_the_qr_open_the_order_they_were_made_for():
    code = pickup_code(SECRET, ORDER)
    assert verify(SECRET, "LYS-01", ORDER, f" {code[:3].lower()}-{code[3:]} ") == "code"
    payload = qr_payload(SECRET, "LYS-01", ORDER)
    assert verify(SECRET, "LYS-01", ORDER, payload) == "qr"
    assert genuine_qr(SECRET, "LYS-01", payload).order_id == ORDER


@pytest.mark.parametrize("presented", ["é", "１２３４５６", "Ä1B2C3", "\ud800", f"BRPU1|LYS-01|{ORDER}|ÉÉÉ"])
def test_text_beyond_ascii_is_a_wrong_code(presented):
    with pytest.raises(InvalidInput) as refused:
        verify(SECRET, "LYS-01", ORDER, presented)
    assert refused.value.code == "wrong_pickup_code"
    assert genuine_qr(SECRET, "LYS-01", presented) is None
