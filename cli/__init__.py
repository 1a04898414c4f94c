"""``citygis``, the command line: the core commands and every domain's (gis_core.domain)."""
