"""The HTTP face of citygis: app factory, errors, access, and the generic OGC API routers."""
