"""Alembic revisions of the base domain (listed in version_locations by gis_core.migrate)."""
