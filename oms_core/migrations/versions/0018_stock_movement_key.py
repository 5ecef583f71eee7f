"""stock_movement_key: an Idempotency-Key on POST /stock/movements

A WMS or an ERP that sent a receipt again after a timeout had it received twice
(on hand 5, a receipt of 10 sent twice: 25). A batch sent again under the same
key is now answered as the first time and moves nothing.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stock_movement_key',
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('client', 'key')
    )


def downgrade() -> None:
    op.drop_table('stock_movement_key')
