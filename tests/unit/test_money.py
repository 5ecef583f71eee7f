"""Money as the store reads it (contract/money.py)."""

from decimal import Decimal

from contract.money import money


def test_money_reads_as_people_write_it():
    assert money(19.9, "EUR") == "€19.90"
    assert money("59.9", "GBP") == "£59.90"
    assert money(Decimal("1234.5"), "USD") == "$1,234.50"  # the thousands grouped, as people write them
    assert (money(-1234567.891, "EUR"), money(12500, "CHF")) == ("-€1,234,567.89", "12,500.00 CHF")
    assert money(19.9, "CHF") == "19.90 CHF"  # no symbol we are sure of: the code, after the amount
    assert money(-1.5, "EUR") == "-€1.50"
    assert (money(0.005, "EUR"), money(2.675, "EUR")) == ("€0.01", "€2.68")  # half a cent rounds up, as at a till
