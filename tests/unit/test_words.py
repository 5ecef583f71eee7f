"""Counts said to people in words: one parcel, two parcels."""

import pytest

from contract.words import counted


@pytest.mark.parametrize(("n", "noun", "said"), [
    (1, "parcel", "1 parcel"),
    (0, "parcel", "0 parcels"),
    (3, "delivery option", "3 delivery options"),
    (2, "SKU", "2 SKUs"),
])
def test_a_count_agrees_with_its_noun(n, noun, said):
    assert counted(n, noun) == said
