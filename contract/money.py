"""Money as people read it: "€19.90", "£1,250.00", "19.90 CHF".

A Backroom network sells in one currency: the core's BACKROOM_CURRENCY (ISO 4217),
which each sync page tells the store app. Amounts travel as plain numbers."""

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "EUR"
# Written before the amount in English; any other currency is written after it, by its code.
_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def money(amount: float | Decimal | str, currency: str) -> str:
    """With two decimals (Backroom handles currencies with cents: prices are stored so) and the
    thousands grouped, as the app's English writes them."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    digits = f"{abs(value):,.2f}"
    symbol = _SYMBOLS.get(currency)
    if symbol is None:
        return f"{'-' if value < 0 else ''}{digits} {currency}"
    return f"{'-' if value < 0 else ''}{symbol}{digits}"
