"""Alembic revisions of the disaster domain (listed in version_locations by gis_core.migrate)."""
