"""Run the Alembic migrations programmatically (no alembic.ini to keep in step).

Where migrations live. The platform's own revisions (PostGIS, layer versions, identity and
audit, feature history, planners' layers, rate limits) are in gis_core/migrations/versions;
each domain's are in the folder its ``Domain.migrations`` names (layers/<domain>/migrations).
``version_locations`` lists the core folder and the domains' folders (``layers.migration_folders()``
for the registered ones: every caller passes them, as gis_core knows no domain), and Alembic
reads them as one set of revisions: it does not care which folder a revision file is in.

The shared history. Revisions 0001–0014 were one chain before domains had folders, and every
existing database records their ids, so they keep their ids, their order and their SQL. Each
file moved to the domain it belongs to (0002 base; 0004, 0009, 0010 disaster; 0008 facilities);
those that span domains stay in core (0003 facilities and shelters, 0006 feature history,
0013 text limits). That chain therefore needs the folders of all three domains.

New migrations go on branches. After 0014 the chain forks: an empty revision ``<name>_branch``
per folder carries the branch label ``<name>`` (core, base, facilities, disaster). A new
revision of a domain revises its branch's newest (``down_revision`` = the newest file of its
folder) and names, in ``depends_on``, any other branch's revision it needs. A new
domain starts a branch of its own: its first revision has ``down_revision = None``,
``branch_labels = ("<name>",)`` and ``depends_on = "core"``. So there is one head per branch,
and ``check_current`` compares the sets of heads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CORE_VERSIONS = MIGRATIONS / "versions"


def alembic_config(url: URL, folders: Sequence[Path]) -> Config:
    """``folders``: the domains' migrations folders (beside the core one)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations",
                           os.pathsep.join(str(folder) for folder in (CORE_VERSIONS, *folders)))
    config.attributes["url"] = url
    return config


def upgrade(url: URL, folders: Sequence[Path], revision: str = "heads") -> None:
    command.upgrade(alembic_config(url, folders), revision)


def downgrade(url: URL, folders: Sequence[Path], revision: str) -> None:
    command.downgrade(alembic_config(url, folders), revision)


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


def script_heads(folders: Sequence[Path]) -> set[str]:
    from alembic.script import ScriptDirectory

    config = alembic_config(URL.create("postgresql"), folders)
    # As alembic_version records them: a head another revision depends on is no head there.
    return set(ScriptDirectory.from_config(config).get_heads(consider_depends_on=True))


def check_current(url: URL, folders: Sequence[Path]) -> None:
    """Refuse to serve a database whose schema is older (or newer) than the code: the heads
    applied must be the heads of every branch, no more and no fewer."""
    applied = set((current_revision(url) or "").split(", ")) - {""}
    expected = script_heads(folders)
    if applied != expected:
        raise SchemaBehind(
            f"the database is at revision {', '.join(sorted(applied)) or 'none'} but this code "
            f"needs {', '.join(sorted(expected))}: run `citygis migrate` (or `make run`)"
        )
