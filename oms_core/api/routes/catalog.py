from typing import Annotated

from fastapi import APIRouter, Body, Query
from sqlalchemy import and_, or_, select
from sqlmodel import Session

from contract.errors import InvalidInput, NotFound
from ...models import Barcode, Product
from ...schemas import BulkResult, ProductIn, ProductOut
from ...services import catalog
from ..deps import Admin, AnyActor, ReadSessionDep, SessionDep, SessionRoute, SettingsDep

router = APIRouter(tags=["catalog"], route_class=SessionRoute)


@router.put("/products", response_model=BulkResult)
def upsert_products(body: Annotated[list[ProductIn], Body()], session: SessionDep, settings: SettingsDep, _: Admin) -> dict:
    """Create or replace products (with their full list of barcodes)."""
    if not body or len(body) > settings.max_bulk_items:
        raise InvalidInput("bulk_size", f"send 1 to {settings.max_bulk_items} products per call")
    count = catalog.upsert_products(session, [p.model_dump() for p in body])
    session.commit()
    return {"upserted": count}


@router.get("/products", response_model=list[ProductOut])
def search_products(
    session: ReadSessionDep,
    _: AnyActor,
    q: Annotated[str | None, Query(max_length=100, description="SKU, barcode or words of the name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,  # beyond any catalog, within a database integer
) -> list[dict]:
    query = select(Product).order_by(Product.sku).limit(limit).offset(offset)
    if q and q.strip():
        term = q.strip()
        every_word = and_(*[Product.name.ilike(f"%{_escape(w)}%", escape="\\") for w in term.split()[:8]])
        query = query.where(
            # A SKU typed in any case, as the name's words are (a scanned barcode is exact).
            or_(Product.sku.ilike(_escape(term), escape="\\"), Product.sku.in_(select(Barcode.sku).where(
                Barcode.code == term)), every_word)
        )
    products = session.execute(query).scalars().all()
    return _with_barcodes(session, products)


@router.get("/products/{sku}", response_model=ProductOut)
def get_product(sku: str, session: ReadSessionDep, _: AnyActor) -> dict:
    product = session.get(Product, sku)
    if product is None:
        raise NotFound("unknown_sku", f"no product {sku}")
    return _with_barcodes(session, [product])[0]


def _with_barcodes(session: Session, products: list[Product]) -> list[dict]:
    codes: dict[str, list[str]] = {p.sku: [] for p in products}
    if codes:
        for code, sku in session.execute(
            select(Barcode.code, Barcode.sku).where(Barcode.sku.in_(list(codes))).order_by(Barcode.code)
        ):
            codes[sku].append(code)
    return [{**p.model_dump(), "barcodes": codes[p.sku]} for p in products]


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
