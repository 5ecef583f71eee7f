"""forget_by_age: what housekeeping forgets, found by its age

Nothing pruned the change feed, nor the answers kept for retries (a tablet's
pushes, Idempotency-Keys): every order added rows for ever. Housekeeping now
forgets them by age, through these indexes. Building them reads each table
once: on a large network, upgrade in a quiet hour.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_TABLES = ('change', 'sync_mutation', 'fulfilment_action_key', 'stock_movement_key')


def upgrade() -> None:
    for table in _TABLES:
        op.create_index(op.f(f'ix_{table}_at'), table, ['at'], unique=False)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(op.f(f'ix_{table}_at'), table_name=table)
