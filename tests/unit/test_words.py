"""Counts and statuses said to people in words: one parcel, two parcels; being picked."""

import pytest

from contract.fulfilment import FulfilmentStatus
from contract.words import STATUS_WORDS, counted, status_words


@pytest.mark.parametrize(("n", "noun", "said"), [
    (1, "parcel", "1 parcel"),
    (0, "parcel", "0 parcels"),
    (3, "delivery option", "3 delivery options"),
    (2, "SKU", "2 SKUs"),
])
def test_a_count_agrees_with_its_noun(n, noun, said):
    assert counted(n, noun) == said


def test_every_fulfilment_status_has_its_words():
    assert {status.value for status in FulfilmentStatus} <= STATUS_WORDS.keys()
    assert status_words("picking") == "being picked"
    assert status_words("held_at_customs") == "held at customs"  # one a newer core has: as it names it
