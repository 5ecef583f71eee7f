"""The cost model: what sending a parcel costs the network, in money and carbon.

A parcel that travels costs a fixed price (carrier base rate, packing) plus a
price per km between where it leaves and where it goes (the customer, or the
pickup store). Carbon works the same way: a fixed part (the last mile) plus
a part per parcel-km. Goods collected at the store that holds them travel
nowhere and cost nothing here. The split search and the promise both use it.
"""

from dataclasses import dataclass

from .reading import Fields


@dataclass(frozen=True)
class CostModel:
    parcel: float = 4.5
    per_km: float = 0.005
    carbon_kg_per_parcel: float = 0.2
    carbon_kg_per_parcel_km: float = 0.0005

    def cost(self, km: float, travels: bool = True) -> float:
        return self.parcel + self.per_km * km if travels else 0.0

    def carbon_kg(self, km: float, travels: bool = True) -> float:
        return self.carbon_kg_per_parcel + self.carbon_kg_per_parcel_km * km if travels else 0.0


def parse_cost(fields: Fields) -> CostModel:
    d = CostModel()
    model = CostModel(
        parcel=fields.number("parcel", d.parcel, 0, 1000),
        per_km=fields.number("per_km", d.per_km, 0, 100),
        carbon_kg_per_parcel=fields.number("carbon_kg_per_parcel", d.carbon_kg_per_parcel, 0, 1000),
        carbon_kg_per_parcel_km=fields.number("carbon_kg_per_parcel_km", d.carbon_kg_per_parcel_km, 0, 100),
    )
    fields.close()
    return model
