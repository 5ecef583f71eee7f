"""orchestration: routing profiles, parked orders, ship-together lines

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:10:03.910182
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import sqlmodel

from oms_core.domain.orchestration.profile import DEFAULT_PROFILE


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routing_profile',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.create_index('ix_fulfilment_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ship_together', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routing_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('parked', sa.Boolean(), server_default=sa.false(), nullable=False))

    # Version 1 is the default profile: a new installation routes sensibly at once.
    profiles = sa.table(
        "routing_profile",
        sa.column("version", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("body", sa.JSON()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("created_by", sa.String()),
    )
    op.bulk_insert(profiles, [{"version": 1, "name": DEFAULT_PROFILE["name"], "body": DEFAULT_PROFILE,
                               "created_at": datetime.now(UTC), "created_by": "backroom"}])



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('parked')
        batch_op.drop_column('routing_version')

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_column('ship_together')

    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfilment_created_at')

    op.drop_table('routing_profile')
