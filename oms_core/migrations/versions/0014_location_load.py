"""location_load: how busy each location is, counted as it happens

Routing read it from a scan of a week of fulfilments (those given today, those
open, those rejected or expired), 13 to 80 ms every 5 s per worker on a
network that had taken 50,000 orders, and growing with the business: a week at
10,000 orders a minute is 100 million rows. Now a row per location and day
counts what it was given and gave back (services/location_load.py), and a
partial index holds the open fulfilments only. The last week's rows are filled from the fulfilments
(rejections counted on the day their fulfilment was given).

Building the index reads the whole fulfilment table and holds writes to it
meanwhile (as 0012's did): on a large network, upgrade in a quiet hour.

Revision ID: 0014
Revises: 0013
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# contract.fulfilment.OPEN as it stands at this revision.
OPEN = sa.text("status IN ('accepted', 'assigned', 'packed', 'picked', 'picking', 'ready_for_pickup')")


def upgrade() -> None:
    op.create_table(
        'location_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('location', sa.String(length=32), nullable=False),
        sa.Column('given', sa.Integer(), nullable=False),
        sa.Column('gave_back', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['location'], ['location.code']),
        sa.PrimaryKeyConstraint('day', 'location'),
    )
    op.create_index('ix_fulfilment_open', 'fulfilment', ['location', 'status'], unique=False,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    # Fulfilments routed there, not parcels that arrived for collection.
    fulfilment = sa.table('fulfilment', sa.column('location', sa.String()), sa.column('status', sa.String()),
                          sa.column('created_at', UTCDateTime()), sa.column('arrived_from', sa.String()))
    created = fulfilment.c.created_at
    if op.get_bind().dialect.name == 'postgresql':
        created = sa.func.timezone('UTC', created)  # the UTC day, whatever the session's time zone
    day = sa.func.date(created)
    since = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6)
    location_day = sa.table('location_day', sa.column('day'), sa.column('location'), sa.column('given'),
                            sa.column('gave_back'))
    op.execute(location_day.insert().from_select(
        ['day', 'location', 'given', 'gave_back'],
        sa.select(day, fulfilment.c.location, sa.func.count(),
                  sa.func.sum(sa.case((fulfilment.c.status.in_(['rejected', 'expired']), 1), else_=0)))
        .where(fulfilment.c.created_at >= since, fulfilment.c.arrived_from.is_(None))
        .group_by(day, fulfilment.c.location),
    ))


def downgrade() -> None:
    op.drop_index('ix_fulfilment_open', table_name='fulfilment')
    op.drop_table('location_day')
