"""count_as_of: a count applies as of when the shelf was counted

A count that reached the core late (a tablet offline, or the sync's delay) set
on hand to what was counted and so undid the moves made meanwhile: a parcel
shipped after the count came back on hand. A count now carries when it was
counted; the core adds the ledger's moves of that (location, sku) recorded since,
found by the ledger's index, which now ends with the time. stock.counted_at is
when the shelf was last counted: an older count that arrives later is superseded.

Building the index reads the whole ledger and holds writes to it meanwhile (as
0012's did): on a large network, upgrade in a quiet hour.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('stock', sa.Column('counted_at', UTCDateTime(), nullable=True))
    op.create_index('ix_stock_movement_location_sku_at', 'stock_movement', ['location', 'sku', 'at'], unique=False)
    op.drop_index('ix_stock_movement_location_sku', table_name='stock_movement')


def downgrade() -> None:
    op.create_index('ix_stock_movement_location_sku', 'stock_movement', ['location', 'sku'], unique=False)
    op.drop_index('ix_stock_movement_location_sku_at', table_name='stock_movement')
    op.drop_column('stock', 'counted_at')
