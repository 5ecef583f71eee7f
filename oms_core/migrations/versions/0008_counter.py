"""store counter: click & collect shelf and pickup keys, parcel arrivals, notifications, returns

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-23 22:55:12.680185
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

from oms_core.domain.pickup_keys import new_secret

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_order_id'), ['order_id'], unique=False)

    op.create_table('order_return',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('refund', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('idempotency_client', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.ForeignKeyConstraint(['store'], ['location.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_client', 'idempotency_key', name='uq_return_idempotency')
    )
    with op.batch_alter_table('order_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_return_order_id'), ['order_id'], unique=False)

    op.create_table('pickup_key',
    sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store'], ['location.code'], ),
    sa.PrimaryKeyConstraint('store')
    )
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shelf', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('ready_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminders_sent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('arrived_from', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_fulfilment_ready_at'), ['ready_at'], unique=False)
        batch_op.create_index('ux_fulfilment_arrived_from', ['arrived_from'], unique=True)

    # Stores that already exist get their pickup key now (new ones get it when they are created).
    bind = op.get_bind()
    stores = bind.execute(sa.text("SELECT code FROM location WHERE type = 'store'")).scalars().all()
    for store in stores:
        bind.execute(sa.text("INSERT INTO pickup_key (store, secret, created_at) VALUES (:s, :k, :at)"),
                     {"s": store, "k": new_secret(), "at": datetime.now(UTC)})



def downgrade() -> None:
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.drop_index('ux_fulfilment_arrived_from')
        batch_op.drop_index(batch_op.f('ix_fulfilment_ready_at'))
        batch_op.drop_column('arrived_from')
        batch_op.drop_column('reminders_sent')
        batch_op.drop_column('ready_at')
        batch_op.drop_column('shelf')

    op.drop_table('pickup_key')
    with op.batch_alter_table('order_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_return_order_id'))

    op.drop_table('order_return')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_order_id'))
        batch_op.drop_index('ix_notification_due')

    op.drop_table('notification')
