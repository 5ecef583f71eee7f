"""Plausible orders for the demo stream and the benchmarks: channels, customers
near real cities, bestsellers more often than the long tail, some click & collect,
and (when asked) some orders with lines that must ship together (a set)."""

import csv
import random
from dataclasses import dataclass

from oms_core.seed import ASSETS, popularity

FIRST = ["Ana", "Louis", "Chloe", "Hugo", "Lea", "Noah", "Emma", "Jules", "Ines", "Adam", "Sofia", "Lucas",
         "Mila", "Nathan", "Zoe", "Tom", "Sarah", "Yanis", "Lina", "Paul"]
LAST = ["Lopes", "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Garcia", "Roux", "Fournier", "Girard",
        "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefevre", "Faure", "Andre"]
STREETS = ["rue de la Paix", "avenue Jean Jaures", "rue Victor Hugo", "boulevard Voltaire", "rue du Marche",
           "place de la Republique", "rue des Lilas", "avenue de la Gare", "rue Pasteur", "quai des Arts"]
CHANNELS = [("web", 0.6), ("app", 0.25), ("marketplace", 0.15)]


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    weight: int


def load_cities() -> list[City]:
    with open(ASSETS / "cities.csv", newline="") as f:
        return [City(r["city"], r["country"], float(r["lat"]), float(r["lon"]), int(r["weight"])) for r in csv.DictReader(f)]


class OrderGenerator:
    def __init__(self, skus: list[str], prices: dict[str, float], pickup_stores: list[str],
                 seed: int | None = 1, click_collect_share: float = 0.3, prefix: str = "DEMO",
                 cities: list[str] | None = None, ship_together_share: float = 0.0) -> None:
        self.rng = random.Random(seed)  # None: a different stream each run
        self.skus = skus
        self.weights = [popularity(i) for i in range(len(skus))]
        self.prices = prices
        self.pickup_stores = pickup_stores
        self.cities = [c for c in load_cities() if cities is None or c.name in cities]
        self.city_weights = [c.weight for c in self.cities]
        self.click_collect_share = click_collect_share
        # Share of multi-line orders whose first two lines are a set, sent in one parcel.
        self.ship_together_share = ship_together_share
        self.prefix = prefix
        self.count = 0

    def order(self) -> dict:
        rng = self.rng
        self.count += 1
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        n_lines = rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0]
        skus = list(dict.fromkeys(rng.choices(self.skus, weights=self.weights, k=n_lines)))
        lines = [{"sku": s, "qty": rng.choices([1, 2], weights=[85, 15])[0], "unit_price": self.prices[s]} for s in skus]
        # Drawn only when sets are asked for, so that other streams stay as they were.
        if self.ship_together_share and len(lines) > 1 and rng.random() < self.ship_together_share:
            for line in lines[:2]:
                line["ship_together"] = "SET-1"
        if self.pickup_stores and rng.random() < self.click_collect_share:
            delivery = {"method": "click_collect", "store": rng.choice(self.pickup_stores)}
        else:
            city = rng.choices(self.cities, weights=self.city_weights)[0]
            delivery = {
                "method": "home",
                "address": {
                    "line1": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                    "city": city.name,
                    "postcode": f"{rng.randint(10000, 95999)}",
                    "country": city.country,
                    "lat": round(city.lat + rng.uniform(-0.05, 0.05), 5),
                    "lon": round(city.lon + rng.uniform(-0.05, 0.05), 5),
                },
            }
        return {
            "channel": channel,
            "external_ref": f"{self.prefix}-{channel[:1].upper()}{self.count:07d}",
            "customer": {
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "phone": f"+336{rng.randint(10000000, 99999999)}",
            },
            "delivery": delivery,
            "lines": lines,
        }
