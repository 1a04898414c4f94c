"""Loaders of the city's open data, importers of the official formats, and generators of
labelled sample data (fixed seed)."""
