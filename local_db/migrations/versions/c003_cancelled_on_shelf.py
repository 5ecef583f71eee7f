"""parcels cancelled on the shelf

Revision ID: c003
Revises: c002
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'c003'
down_revision = 'c002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cancelled_on_shelf',
    sa.Column('fulfilment_id', sa.String(length=36), nullable=False),
    sa.Column('noticed_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('fulfilment_id')
    )


def downgrade() -> None:
    op.drop_table('cancelled_on_shelf')
