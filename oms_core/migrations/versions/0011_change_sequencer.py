"""change_sequencer: number committed changes in one round trip (PostgreSQL)

A sequencing pass took five round trips (begin, advisory lock, number, notify,
commit). As one function called outside a transaction it takes one. Each
statement of a (volatile) function sees the commits made before it began, so
the numbering after the lock still sees every commit made before the lock.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION backroom_sequence_changes(lock_key bigint, channel text, scopes text) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(lock_key);
            UPDATE change SET seq = numbered.seq
            FROM (SELECT id, nextval('change_seq') AS seq
                  FROM (SELECT id FROM change WHERE seq IS NULL ORDER BY id) AS pending) AS numbered
            WHERE change.id = numbered.id;
            IF scopes IS NOT NULL THEN
                PERFORM pg_notify(channel, scopes);
            END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION backroom_sequence_changes(bigint, text, text)")
