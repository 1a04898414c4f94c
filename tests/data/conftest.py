"""Fixtures of the data tests: a psycopg connection to a throwaway copy of the loaded city."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect


@pytest.fixture
def conn(fresh_db_url: URL) -> Iterator[psycopg.Connection]:
    """Autocommit, as the CLI uses it: each importer opens its own transaction."""
    with psycopg_connect(fresh_db_url, autocommit=True) as connection:
        yield connection
