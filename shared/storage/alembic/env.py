"""Alembic environment: runs on the connection `shared.storage.migrations.migrate` hands over."""

from alembic import context
from sqlalchemy.engine import Connection

connection = context.config.attributes["connection"]
assert isinstance(connection, Connection), "run migrations through shared.storage.migrations.migrate"
context.configure(connection=connection, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
