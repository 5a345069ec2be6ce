"""Alembic environment: runs on the connection the vault hands over (no ini file, no logging set-up)."""

from alembic import context

from studio.core.vault.catalog import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
