"""Alembic revisions of the facilities domain (listed in version_locations by gis_core.migrate)."""
