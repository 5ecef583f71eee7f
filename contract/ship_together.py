"""Ship-together sets (kits): lines of an order that leave in one parcel from one location.

One rule for routing (which serves a set whole or not at all), for the core when a store
gives back part of a set (the rest of the set goes back with it), and for the tablet, which
shows that give-back at once and tells the associate before the core confirms it.
"""

from collections.abc import Collection, Iterable, Mapping


def sets_of(lines: Iterable[tuple[str, str | None]]) -> dict[str, set[str]]:
    """The sets an order's lines (sku, set name or None) name: set name -> SKUs."""
    sets: dict[str, set[str]] = {}
    for sku, name in lines:
        if name:
            sets.setdefault(name, set()).add(sku)
    return sets


def groups(sets: Iterable[Collection[str]], present: Collection[str]) -> list[set[str]]:
    """The SKUs that leave together, among those `present` (ordered, held): sets that share a SKU
    leave as one (the SKU cannot be in two parcels and in one). A set with a single SKU present
    is no group: its units may come from several locations."""
    found: list[set[str]] = []
    for group in sets:
        merged = {sku for sku in group if sku in present}
        for other in [g for g in found if g & merged]:
            merged |= other
            found.remove(other)
        if len(merged) > 1:
            found.append(merged)
    return found


def set_names(sets: Mapping[str, Collection[str]], present: Collection[str]) -> dict[str, str]:
    """The set each SKU `present` leaves with, by name; SKUs in no group are left out. Sets merged
    into one group are named after all of them ("SET-1 + SET-2")."""
    named: dict[str, str] = {}
    for group in groups(sets.values(), present):
        name = " + ".join(sorted(set_name for set_name, skus in sets.items() if group.intersection(skus)))
        named |= dict.fromkeys(group, name)
    return named


def rest_of_sets(lines: Mapping[str, tuple[int, str | None]], given_back: Collection[str]) -> dict[str, int]:
    """Every unit of the sets that the SKUs `given_back` belong to (`lines`: each SKU's units and
    set name): a set leaves whole from one location, so giving back part of it gives all of it back."""
    broken = {lines[sku][1] for sku in given_back if sku in lines} - {None}
    return {sku: units for sku, (units, name) in lines.items() if name in broken}
