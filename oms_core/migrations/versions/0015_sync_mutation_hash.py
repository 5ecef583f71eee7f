"""sync_mutation.request_hash: a mutation id sent again with another action is refused

A device that reused an id for a different action was answered "duplicate" and
believed the second action done. Mutations recorded before this have no hash
and are answered as before.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sync_mutation', sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('sync_mutation', 'request_hash')
