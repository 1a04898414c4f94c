"""Alembic environment: migrations are written by hand (SQL that matters stays visible)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from gis_core.database import database_url

config = context.config
url = config.attributes.get("url") or database_url()

connectable = create_engine(url, poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
