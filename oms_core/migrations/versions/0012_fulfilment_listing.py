"""fulfilment_listing: a location's fulfilments in their listing's order, for paging

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_fulfilment_location_created', 'fulfilment', ['location', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_fulfilment_location_created', table_name='fulfilment')
