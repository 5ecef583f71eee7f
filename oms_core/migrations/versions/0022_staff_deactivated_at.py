"""staff_deactivated_at: when someone was deactivated

Whatever a tablet did offline in a leaver's name was refused once head office
deactivated them, their last shift's picks and handovers included. The core now
keeps when they were deactivated, and refuses only what is dated after it.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('staff', sa.Column('deactivated_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column('staff', 'deactivated_at')
