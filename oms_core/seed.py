"""A generated network for demos, trials and benchmarks: warehouses and stores
at real city coordinates, a fashion catalog with valid EAN-13 barcodes, deep
warehouse stock and sparse store stock (popular items in more stores).

Seeding writes straight to the database (it is a server-side bulk load); every
stock row still gets its ledger movement, so the books balance from day one.
"""

import csv
import json
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from .core.db import session_scope
from .domain.opening_hours import DEFAULT_HOURS
from .models import Barcode, Product, Stock, StockMovement, utcnow
from .services import catalog

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "demo"
_STREETS = ["rue de Rivoli", "rue de la République", "avenue Jean Jaurès", "rue du Commerce", "place du Marché",
            "rue Victor Hugo", "cours Mirabeau", "rue Nationale", "boulevard Gambetta", "rue Sainte-Catherine"]
_DISTRICTS = ["Centre", "Gare", "Nord", "Sud", "Est", "Ouest", "Rive Gauche", "Rive Droite", "Parc", "Port"]


@dataclass(frozen=True)
class SeedSummary:
    warehouses: int
    stores: int
    skus: int
    stock_rows: int


def ean13(body12: str) -> str:
    """Append the EAN-13 check digit to 12 digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def popularity(rank: int) -> float:
    """Relative demand of the rank-th SKU: a few bestsellers, a long tail."""
    return 1.0 / math.sqrt(rank + 1)


def generate_locations(stores: int, warehouses: int | None = None, rng: random.Random | None = None) -> list[dict]:
    rng = rng or random.Random(7)
    with open(ASSETS / "warehouses.csv", newline="") as f:
        hubs = list(csv.DictReader(f))
    n_wh = warehouses if warehouses is not None else max(2, min(len(hubs), math.ceil(stores / 40)))
    locations = [
        {
            "code": h["code"],
            "name": h["name"],
            "type": "warehouse",
            "lat": float(h["lat"]),
            "lon": float(h["lon"]),
            "country": h["country"],
            "daily_capacity": 5000,
            "accept_within_minutes": 240,
            "address": {"line1": h["street"], "postcode": h["postcode"], "city": h["city"]},
        }
        for h in hubs[:n_wh]
    ]
    with open(ASSETS / "cities.csv", newline="") as f:
        cities = list(csv.DictReader(f))
    cities.sort(key=lambda c: -int(c["weight"]))
    # Hand out stores to cities in proportion to their weight, biggest first.
    counts = {c["code"]: 0 for c in cities}
    weights = {c["code"]: int(c["weight"]) for c in cities}
    for _ in range(stores):
        # D'Hondt: the next store goes to the city with the highest weight per store so far.
        best = max(range(len(cities)), key=lambda i: (weights[cities[i]["code"]] / (counts[cities[i]["code"]] + 1), -i))
        counts[cities[best]["code"]] += 1
    for city in cities:
        for k in range(counts[city["code"]]):
            angle = k * 2.4
            radius = 0.0 if k == 0 else 0.012 * (1 + k // 6)
            district = _DISTRICTS[k % len(_DISTRICTS)] + ("" if k < len(_DISTRICTS) else f" {k // len(_DISTRICTS) + 1}")
            locations.append(
                {
                    "code": f"{city['code']}-{k + 1:02d}",
                    "name": f"{city['city']} {district}",
                    "type": "store",
                    "lat": round(float(city["lat"]) + radius * math.sin(angle), 5),
                    "lon": round(float(city["lon"]) + radius * math.cos(angle), 5),
                    "country": city["country"],
                    "ship_from_store": rng.random() < 0.75,
                    "click_collect": True,
                    "returns": True,
                    "daily_capacity": rng.choice([30, 40, 60, 80, 120]),
                    "accept_within_minutes": 60,
                    "address": {
                        "line1": f"{rng.randint(1, 180)} {rng.choice(_STREETS)}",
                        "postcode": city["postcode"],
                        "city": city["city"],
                    },
                }
            )
    for loc in locations:
        loc.setdefault("ship_from_store", False)
        loc.setdefault("click_collect", False)
        loc.setdefault("returns", False)
        loc.update(opening_hours=dict(DEFAULT_HOURS), paused=False)
    return locations


def generate_products(skus: int, rng: random.Random | None = None) -> list[dict]:
    rng = rng or random.Random(11)
    catalog = json.loads((ASSETS / "catalog.json").read_text())
    colours = list(catalog["colours"].items())
    families = catalog["families"]
    products: list[dict] = []
    model = 0
    while len(products) < skus:
        family = families[model % len(families)]
        style = family["styles"][(model // len(families)) % len(family["styles"])]
        colour_code, colour = colours[(model * 7 + model // len(families)) % len(colours)]
        low, high = family["price"]
        price = Decimal(str(round(rng.uniform(low, high)))) - Decimal("0.1")
        for size in family["sizes"]:
            if len(products) == skus:
                break
            n = len(products)
            products.append(
                {
                    "sku": f"{family['prefix']}{model + 1:04d}-{colour_code}-{size}",
                    "name": f"{family['name']} {style} {colour} {size}",
                    "price": max(price, Decimal("4.90")),
                    "weight_kg": family["weight_kg"],
                    "image_url": None,
                    "tags": family["tags"],
                    "barcodes": [ean13(f"360{n + 1:09d}")],
                }
            )
        model += 1
    return products


def seed(engine: Engine, stores: int, skus: int, warehouses: int | None = None, store_coverage: float = 0.08, seed_value: int = 42) -> SeedSummary:
    """Load a generated network into an empty database."""
    rng = random.Random(seed_value)
    with session_scope(engine) as session:
        if session.execute(select(func.count()).select_from(Product)).scalar_one():
            raise SystemExit("the catalog is not empty: seed a fresh database (or drop this one)")
    locations = generate_locations(stores, warehouses, rng)
    products = generate_products(skus, rng)
    now = utcnow()
    sku_list = [p["sku"] for p in products]
    weights = [popularity(i) for i in range(len(sku_list))]
    stock_rows: list[dict] = []
    for loc in locations:
        if loc["type"] == "warehouse":
            for sku in sku_list:
                if rng.random() < 0.85:
                    stock_rows.append({"location": loc["code"], "sku": sku, "on_hand": rng.randint(10, 300)})
        else:
            wanted = max(1, int(len(sku_list) * store_coverage))
            held = set(rng.choices(range(len(sku_list)), weights=weights, k=int(wanted * 1.4)))
            for index in sorted(held):
                stock_rows.append({"location": loc["code"], "sku": sku_list[index], "on_hand": rng.randint(1, 6)})
    with session_scope(engine) as session:
        # As any integration's locations: each store gets its pickup key and the feed hears of it.
        catalog.upsert_locations(session, locations)
        for chunk in _chunks([{k: v for k, v in p.items() if k != "barcodes"} | {"updated_at": now} for p in products]):
            session.execute(insert(Product.__table__), chunk)
        for chunk in _chunks([{"code": p["barcodes"][0], "sku": p["sku"]} for p in products]):
            session.execute(insert(Barcode.__table__), chunk)
        for chunk in _chunks(stock_rows):
            session.execute(
                insert(Stock.__table__), [{**r, "reserved": 0, "safety": 0, "updated_at": now} for r in chunk]
            )
            session.execute(
                insert(StockMovement.__table__),
                [
                    {
                        "location": r["location"],
                        "sku": r["sku"],
                        "kind": "count",
                        "on_hand_delta": r["on_hand"],
                        "reserved_delta": 0,
                        "reference": "seed",
                        "actor": "seed",
                        "at": now,
                    }
                    for r in chunk
                ],
            )
    return SeedSummary(
        warehouses=sum(1 for loc in locations if loc["type"] == "warehouse"),
        stores=sum(1 for loc in locations if loc["type"] == "store"),
        skus=len(products),
        stock_rows=len(stock_rows),
    )


def _chunks(rows: list[dict], size: int = 5000):  # noqa: ANN202
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
