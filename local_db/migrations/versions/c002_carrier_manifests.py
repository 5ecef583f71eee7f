"""carrier manifests

Revision ID: c002
Revises: c001
Create Date: 2026-11-23 21:45:43.310991
"""

from alembic import op
import sqlalchemy as sa


revision = 'c002'
down_revision = 'c001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('manifest',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('carrier', sa.String(length=50), nullable=False),
    sa.Column('opened_at', sa.String(length=40), nullable=False),
    sa.Column('closed_at', sa.String(length=40), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('manifest', schema=None) as batch_op:
        batch_op.create_index('ix_manifest_carrier_open', ['carrier', 'closed_at'], unique=False)

    op.create_table('manifest_parcel',
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('manifest_id', sa.String(length=40), nullable=False),
    sa.Column('fulfilment_id', sa.String(length=36), nullable=False),
    sa.Column('scanned_at', sa.String(length=40), nullable=False),
    sa.Column('scanned_by', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('tracking_number')
    )
    with op.batch_alter_table('manifest_parcel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manifest_parcel_manifest_id'), ['manifest_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('manifest_parcel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manifest_parcel_manifest_id'))

    op.drop_table('manifest_parcel')
    with op.batch_alter_table('manifest', schema=None) as batch_op:
        batch_op.drop_index('ix_manifest_carrier_open')

    op.drop_table('manifest')

