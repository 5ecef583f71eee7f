"""Bulk upserts of products (with their barcodes) and locations."""

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlmodel import Session

from contract.errors import InvalidInput, NotFound

from ..domain.actors import Actor
from ..models import Barcode, Location, Product, utcnow
from . import allocation, audit, changes, counter
from .db_util import upsert


def upsert_products(session: Session, products: Sequence[dict]) -> int:
    """Each dict has the Product columns plus "barcodes" (the full list for that SKU)."""
    _refuse_duplicates([p["sku"] for p in products], "duplicate_sku", "SKU")
    barcode_owner: dict[str, str] = {}
    for p in products:
        for code in p.get("barcodes") or []:
            if barcode_owner.setdefault(code, p["sku"]) != p["sku"]:
                raise InvalidInput(
                    "duplicate_barcode", f"barcode {code} is given to two products", barcode=code
                )
    now = utcnow()
    skus = [p["sku"] for p in products]
    if barcode_owner:
        taken = session.execute(
            select(Barcode.code, Barcode.sku).where(
                Barcode.code.in_(list(barcode_owner)), Barcode.sku.not_in(skus)
            )
        ).first()
        if taken:
            raise InvalidInput(
                "barcode_in_use",
                f"barcode {taken.code} already belongs to {taken.sku}",
                barcode=taken.code,
                sku=taken.sku,
            )
    _refuse_codes_of_two_products(session, skus, barcode_owner)
    # Through the model so that every row carries every column (defaults included).
    rows = [Product(**{k: v for k, v in p.items() if k != "barcodes"}, updated_at=now).model_dump() for p in products]
    upsert(session, Product.__table__, rows, ["sku"])
    session.execute(delete(Barcode).where(Barcode.sku.in_(skus)))
    upsert(session, Barcode.__table__, [{"code": c, "sku": s} for c, s in barcode_owner.items()], ["code"])
    for sku in skus:
        changes.record(session, changes.NETWORK, "product", sku)
    return len(rows)


def _refuse_codes_of_two_products(session: Session, skus: list[str], barcode_owner: dict[str, str]) -> None:
    """A code scanned or typed stands for one product (resolve_barcode): a
    barcode may not be another product's SKU, nor a SKU another's barcode."""
    given = set(skus)
    existing = set(session.execute(select(Product.sku).where(Product.sku.in_(list(barcode_owner)))).scalars())
    for code, owner in barcode_owner.items():
        if code != owner and (code in given or code in existing):
            raise InvalidInput("barcode_is_a_sku", f"barcode {code} of {owner} is the SKU of another product",
                               barcode=code, sku=owner)
    taken = session.execute(
        select(Barcode.code, Barcode.sku).where(Barcode.code.in_(skus), Barcode.sku.not_in(skus))
    ).first()
    if taken:
        raise InvalidInput("sku_is_a_barcode", f"SKU {taken.code} is a barcode of {taken.sku}",
                           barcode=taken.code, sku=taken.sku)


def upsert_locations(session: Session, locations: Sequence[dict]) -> int:
    _refuse_duplicates([loc["code"] for loc in locations], "duplicate_location", "location")
    now = utcnow()
    rows = [Location(**loc, updated_at=now).model_dump() for loc in locations]
    upsert(session, Location.__table__, rows, ["code"])
    for loc in locations:
        changes.record(session, loc["code"], "location", loc["code"])
    counter.add_pickup_keys(session, [loc["code"] for loc in locations if loc["type"] == "store"])
    allocation.sites_cache.forget()
    return len(locations)


def set_operations(session: Session, code: str, actor: Actor, daily_capacity: int | None, paused: bool | None) -> Location:
    """A store manager's day-to-day levers: how many fulfilments the store takes
    a day, and pausing ship from store (routing skips a paused location)."""
    location = session.get(Location, code, with_for_update=True)
    if location is None:
        raise NotFound("unknown_location", f"no location {code}")
    before = {"daily_capacity": location.daily_capacity, "paused": location.paused}
    if daily_capacity is not None:
        location.daily_capacity = daily_capacity
    if paused is not None:
        location.paused = paused
    location.updated_at = utcnow()
    session.add(location)
    changes.record(session, code, "location", code)
    audit.record(session, "location.operations_changed", actor=actor, store=code, target=f"location:{code}",
                 before=before, after={"daily_capacity": location.daily_capacity, "paused": location.paused})
    session.flush()
    allocation.sites_cache.forget()
    return location


def resolve_barcode(session: Session, code: str) -> str | None:
    """The SKU a scanned or typed code stands for (a barcode or the SKU itself)."""
    sku = session.execute(select(Barcode.sku).where(Barcode.code == code)).scalar_one_or_none()
    if sku is None:
        sku = session.execute(select(Product.sku).where(Product.sku == code)).scalar_one_or_none()
    return sku


def _refuse_duplicates(keys: list[str], code: str, what: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise InvalidInput(code, f"{what} {key} appears twice in the request", key=key)
        seen.add(key)
