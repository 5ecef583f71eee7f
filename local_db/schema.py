"""The store's SQLite cache: what the core said (server state), what the
associates did that the core has not confirmed yet (the outbox), and where
the feed was left (meta). Tables are SQLAlchemy Core; Alembic migrates them."""

from sqlalchemy import JSON, Column, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# Key/value: cursor, device id and token, store, last sync time and error, snapshot state,
# how far the core's clock is ahead of this device's (seconds), the network's currency and time zone.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Rows the core sent. `stale` marks what a snapshot in progress has not confirmed yet.
fulfilment = Table(
    "fulfilment",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(24), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Column("stale", Integer, nullable=False, default=0),
    Index("ix_fulfilment_status", "status"),
)

product = Table(
    "product",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("data", JSON, nullable=False),
    Column("stale", Integer, nullable=False, default=0),
)

barcode = Table(
    "barcode",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("sku", String(64), nullable=False, index=True),
)

stock = Table(
    "stock",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("safety", Integer, nullable=False),
    Column("atp", Integer, nullable=False),
    Column("stale", Integer, nullable=False, default=0),
)

location = Table(
    "location",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("stale", Integer, nullable=False, default=0),
)

# Network availability, fetched on demand; its age is shown with it.
availability = Table(
    "availability",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("fetched_at", Float, nullable=False),
)

# Associates' intents, in the order they were made. state: pending (not yet
# confirmed), applied, rejected. `result_version` is the fulfilment version
# the core reached by applying it: until the cache holds that version, the
# intent is still shown on top of the server state.
outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("type", String(24), nullable=False),
    Column("staff", String(32), nullable=False),
    Column("fulfilment_id", String(36), nullable=True, index=True),
    Column("args", JSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("state", String(16), nullable=False, default="pending"),
    Column("result_version", Integer, nullable=True),
    Column("error", JSON, nullable=True),
    Column("seen", Integer, nullable=False, default=0),  # an associate saw the rejection
    Index("ix_outbox_state", "state", "seq"),
)

# Who signed in here before: a slow hash of the PIN, for signing in offline.
staff = Table(
    "staff",
    metadata,
    Column("store", String(32), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("verifier", String(200), nullable=False),
)

# Carrier handover: parcels scanned into today's manifest of their carrier.
# Closing a manifest ships its fulfilments (one intent each, in the outbox).
manifest = Table(
    "manifest",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("carrier", String(50), nullable=False),
    Column("opened_at", String(40), nullable=False),
    Column("closed_at", String(40), nullable=True),
    Column("closed_by", String(32), nullable=True),
    Index("ix_manifest_carrier_open", "carrier", "closed_at"),
)

manifest_parcel = Table(
    "manifest_parcel",
    metadata,
    Column("tracking_number", String(40), primary_key=True),
    Column("manifest_id", String(40), nullable=False, index=True),
    Column("fulfilment_id", String(36), nullable=False),
    Column("scanned_at", String(40), nullable=False),
    Column("scanned_by", String(32), nullable=False),
)

# Click & collect parcels the core cancelled while they waited on this store's shelf,
# with no action of ours to be refused: nobody is told by a refusal, yet someone must
# take each off the shelf and restock it. A row goes when an associate says it is done.
cancelled_on_shelf = Table(
    "cancelled_on_shelf",
    metadata,
    Column("fulfilment_id", String(36), primary_key=True),
    Column("noticed_at", String(40), nullable=False),
)
