"""insights: low-stock thresholds per SKU and location

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:02:48.712603
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stock_alert',
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['location'], ['location.code'], ),
    sa.ForeignKeyConstraint(['sku'], ['product.sku'], ),
    sa.PrimaryKeyConstraint('location', 'sku')
    )


def downgrade() -> None:
    op.drop_table('stock_alert')
