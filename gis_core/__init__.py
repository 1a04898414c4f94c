"""Spatial core of citygis: settings, the local PostGIS cluster, database access, CRS,
the layer catalog and tile generation. Knows nothing of any municipal domain."""
