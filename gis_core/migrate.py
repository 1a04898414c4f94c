"""Run the Alembic migrations programmatically (no alembic.ini to keep in step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: URL, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def current_revision(url: URL) -> str | None:
    """The applied revision(s), comma-separated where branches meet; None before the first."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(sorted(heads)) or None


class SchemaBehind(RuntimeError):
    """The database is not migrated to this code's revisions."""


def script_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(URL.create("postgresql"))).get_heads())


def check_current(url: URL) -> None:
    """Refuse to serve a database whose schema is older (or newer) than the code."""
    applied = set((current_revision(url) or "").split(", ")) - {""}
    expected = script_heads()
    if applied != expected:
        raise SchemaBehind(
            f"the database is at revision {', '.join(sorted(applied)) or 'none'} but this code "
            f"needs {', '.join(sorted(expected))}: run `citygis migrate` (or `make run`)"
        )
