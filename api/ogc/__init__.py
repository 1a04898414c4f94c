"""Generic OGC API routers: they serve every layer of the catalog."""
