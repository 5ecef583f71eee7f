"""Alembic environment for the store cache (run by LocalCache on open)."""

from alembic import context

from local_db.schema import metadata

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
