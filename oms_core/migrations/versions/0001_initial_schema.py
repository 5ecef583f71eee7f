"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 20:18:15.129093
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Numbers the change feed in commit order (see oms_core/services/changes.py).
        op.execute("CREATE SEQUENCE change_seq")
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_table('change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('op', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_scope_seq', ['scope', 'seq'], unique=False)
        batch_op.create_index('ix_change_seq', ['seq'], unique=True)

    op.create_table('event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('fulfilment_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_fulfilment_id'), ['fulfilment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_order_id'), ['order_id'], unique=False)

    op.create_table('location',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('ship_from_store', sa.Boolean(), nullable=False),
    sa.Column('click_collect', sa.Boolean(), nullable=False),
    sa.Column('returns', sa.Boolean(), nullable=False),
    sa.Column('daily_capacity', sa.Integer(), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('accept_within_minutes', sa.Integer(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('orders',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('customer', sa.JSON(), nullable=False),
    sa.Column('customer_tier', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('delivery_method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('pickup_store', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('dest_lat', sa.Float(), nullable=True),
    sa.Column('dest_lon', sa.Float(), nullable=True),
    sa.Column('total_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('idempotency_client', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('routing', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'external_ref', name='uq_order_channel_external_ref'),
    sa.UniqueConstraint('idempotency_client', 'idempotency_key', name='uq_order_idempotency')
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_status'), ['status'], unique=False)

    op.create_table('product',
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('weight_kg', sa.Float(), nullable=False),
    sa.Column('image_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sku')
    )
    op.create_table('stock_movement',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('on_hand_delta', sa.Integer(), nullable=False),
    sa.Column('reserved_delta', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_location_sku', ['location', 'sku'], unique=False)

    op.create_table('barcode',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['sku'], ['product.sku'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('barcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barcode_sku'), ['sku'], unique=False)

    op.create_table('fulfilment',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('delivery_method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ship_to', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('accept_by', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('carrier', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('tracking_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('parcels', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['location'], ['location.code'], ),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.create_index('ix_fulfilment_location_status', ['location', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfilment_order_id'), ['order_id'], unique=False)

    op.create_table('order_line',
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.PrimaryKeyConstraint('order_id', 'line_no')
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store'], ['location.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store', 'code', name='uq_staff_store_code')
    )
    op.create_table('stock',
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('safety', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('reserved >= 0', name='stock_reserved_not_negative'),
    sa.CheckConstraint('safety >= 0', name='stock_safety_not_negative'),
    sa.ForeignKeyConstraint(['location'], ['location.code'], ),
    sa.ForeignKeyConstraint(['sku'], ['product.sku'], ),
    sa.PrimaryKeyConstraint('location', 'sku')
    )
    with op.batch_alter_table('stock', schema=None) as batch_op:
        batch_op.create_index('ix_stock_sku', ['sku'], unique=False)

    op.create_table('fulfilment_line',
    sa.Column('fulfilment_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('picked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fulfilment_id'], ['fulfilment.id'], ),
    sa.PrimaryKeyConstraint('fulfilment_id', 'sku')
    )
    op.create_table('staff_token',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('staff_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_token_staff_id'), ['staff_id'], unique=False)



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE change_seq")
    with op.batch_alter_table('staff_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_token_staff_id'))

    op.drop_table('staff_token')
    op.drop_table('fulfilment_line')
    with op.batch_alter_table('stock', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_sku')

    op.drop_table('stock')
    op.drop_table('staff')
    op.drop_table('order_line')
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfilment_order_id'))
        batch_op.drop_index('ix_fulfilment_location_status')

    op.drop_table('fulfilment')
    with op.batch_alter_table('barcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barcode_sku'))

    op.drop_table('barcode')
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movement_location_sku')

    op.drop_table('stock_movement')
    op.drop_table('product')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_status'))
        batch_op.drop_index(batch_op.f('ix_orders_created_at'))

    op.drop_table('orders')
    op.drop_table('location')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_order_id'))
        batch_op.drop_index(batch_op.f('ix_event_fulfilment_id'))
        batch_op.drop_index(batch_op.f('ix_event_at'))

    op.drop_table('event')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index('ix_change_seq')
        batch_op.drop_index('ix_change_scope_seq')

    op.drop_table('change')
    op.drop_table('api_key')
