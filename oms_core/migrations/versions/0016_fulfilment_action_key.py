"""fulfilment_action_key: an Idempotency-Key on the store actions taken over HTTP

A pick retried after a lost answer was counted twice (the store app's own pushes
were already idempotent through sync_mutation; the staff HTTP API was not).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fulfilment_action_key',
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('fulfilment_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('client', 'key')
    )


def downgrade() -> None:
    op.drop_table('fulfilment_action_key')
