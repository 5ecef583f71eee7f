"""delivery_price: what the customer paid for the order's delivery

The promise now gives each delivery option a customer price, and a checkout (or
the store app's endless aisle) sends the price of the one chosen with the order.
It is kept apart from `total_value`, the goods' value that routing rules test
and returns refund. Orders placed before paid nothing recorded here: 0.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (as 0017): SQLite's copy of the table (batch mode)
    # would drop `orders` under the foreign keys of its lines and fulfilments.
    op.add_column('orders', sa.Column('delivery_price', sa.Numeric(12, 2), nullable=False, server_default='0'))


def downgrade() -> None:
    op.drop_column('orders', 'delivery_price')
