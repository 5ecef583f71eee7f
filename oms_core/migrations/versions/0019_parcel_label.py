"""parcel_label: which fulfilment each tracking number was given to

Two fulfilments packed under one tracking number (an integration that reused
one) made the second parcel impossible to scan in at its pickup store: every
scan found the first. A number is now given once, checked by this table's key,
and the pickup store finds a parcel through it instead of reading every parcel
shipped to it. Filled here from the parcels already packed (an arrival carries
its parcel's number and is not a parcel of its own); where data already holds
a number twice, the first fulfilment keeps it.

Revision ID: 0019
Revises: 0018
"""

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    label = op.create_table('parcel_label',
    sa.Column('tracking_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('fulfilment_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.PrimaryKeyConstraint('tracking_number')
    )
    op.create_index(op.f('ix_parcel_label_fulfilment_id'), 'parcel_label', ['fulfilment_id'], unique=False)
    connection = op.get_bind()
    packed = connection.execute(sa.text(
        "SELECT id, tracking_number, parcels FROM fulfilment WHERE arrived_from IS NULL ORDER BY created_at, id"))
    given: set[str] = set()
    rows: list[dict] = []
    for fulfilment_id, shipped_under, parcels in packed:
        parcels = json.loads(parcels) if isinstance(parcels, str) else parcels or []
        for number in (shipped_under, *(parcel.get("tracking_number") for parcel in parcels)):
            if number and number not in given:
                given.add(number)
                rows.append({"tracking_number": number, "fulfilment_id": fulfilment_id})
    for start in range(0, len(rows), _BATCH):
        op.bulk_insert(label, rows[start:start + _BATCH])


def downgrade() -> None:
    op.drop_index(op.f('ix_parcel_label_fulfilment_id'), table_name='parcel_label')
    op.drop_table('parcel_label')
