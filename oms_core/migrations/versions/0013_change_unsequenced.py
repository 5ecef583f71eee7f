"""change_unsequenced: the sequencer finds the changes still to number without
walking those it numbered before

`seq IS NULL` was looked up in ix_change_seq, where every change ever inserted
left an entry with a null number: numbering a change writes a new row version
and the old one, and its entry, stay until vacuum. The sequencer's pass cost
grew with them: 8 ms of PostgreSQL's CPU per pass (more than the rest of an
order) on a network that had taken 50,000 orders with autovacuum off, and
between two vacuums in production. A partial index holds only the rows not yet
numbered; the function reads it with a plain index scan, which marks the
entries of numbered rows dead as it passes them so that the next pass skips
them (a bitmap scan, which the planner otherwise picks, visits them again every
time): 0.4 ms a pass, measured the same way.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_change_unsequenced', 'change', ['id'], unique=False,
                    postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION backroom_sequence_changes(bigint, text, text) SET enable_bitmapscan = off")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION backroom_sequence_changes(bigint, text, text) RESET enable_bitmapscan")
    op.drop_index('ix_change_unsequenced', table_name='change')
