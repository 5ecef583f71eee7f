"""store cache

Revision ID: c001
Revises: 
Create Date: 2026-11-23 20:45:43.055409
"""

from alembic import op
import sqlalchemy as sa


revision = 'c001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('availability',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('sku')
    )
    op.create_table('barcode',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('barcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_barcode_sku'), ['sku'], unique=False)

    op.create_table('fulfilment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('stale', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.create_index('ix_fulfilment_status', ['status'], unique=False)

    op.create_table('location',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('stale', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=24), nullable=False),
    sa.Column('staff', sa.String(length=32), nullable=False),
    sa.Column('fulfilment_id', sa.String(length=36), nullable=True),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('result_version', sa.Integer(), nullable=True),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('seen', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_fulfilment_id'), ['fulfilment_id'], unique=False)
        batch_op.create_index('ix_outbox_state', ['state', 'seq'], unique=False)

    op.create_table('product',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('stale', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku')
    )
    op.create_table('staff',
    sa.Column('store', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('verifier', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('store', 'code')
    )
    op.create_table('stock',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('safety', sa.Integer(), nullable=False),
    sa.Column('atp', sa.Integer(), nullable=False),
    sa.Column('stale', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku')
    )



def downgrade() -> None:

    op.drop_table('stock')
    op.drop_table('staff')
    op.drop_table('product')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state')
        batch_op.drop_index(batch_op.f('ix_outbox_fulfilment_id'))

    op.drop_table('outbox')
    op.drop_table('meta')
    op.drop_table('location')
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfilment_status')

    op.drop_table('fulfilment')
    with op.batch_alter_table('barcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_barcode_sku'))

    op.drop_table('barcode')
    op.drop_table('availability')

