"""How a ``citygis`` command fails: one line on stderr (``citygis: error: …``) and a non-zero
exit status, never a traceback. ``citygis --debug …`` or ``CITYGIS_DEBUG=1`` re-raises instead.

Commands raise ``CliError`` for what they refuse themselves; ``describe`` turns that and the
known failures of the libraries below (a database that cannot be reached, a missing file, a
bad setting) into the line, and anything else into a line that says how to see more."""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from typing import Any

import asyncpg
import psycopg
import pydantic
import sqlalchemy.exc

from api.auth.service import AccountError
from gis_core.cluster import ClusterError
from gis_core.database import DatabaseUnavailable
from gis_core.errors import DomainError

INTERRUPTED = 130  # 128 + SIGINT, as shells report it
UNREACHABLE_HINT = "start it with `citygis db up`, or check DATABASE_URL"


class CliError(Exception):
    """A command refused its input; the message is all the user needs."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def one_line(text: object) -> str:
    """The first non-empty line of a message."""
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")


def _invalid(error: pydantic.ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if error.title == "Settings":
        where = f"setting CITYGIS_{where.upper()}"
    return f"{where}: {first['msg']}"


def _os_error(error: OSError) -> str:
    reason = error.strerror or one_line(error) or type(error).__name__
    return f"{error.filename}: {reason.lower()}" if error.filename else reason


def _unexpected(error: BaseException) -> str:
    return (f"unexpected {type(error).__name__}: {one_line(error)} "
            "(`citygis --debug …` shows the traceback)")


# First match wins (by isinstance): (kind of exception, its line, exit status).
KNOWN: list[tuple[type[BaseException] | tuple[type[BaseException], ...],
                  Callable[[Any], str], int]] = [
    (KeyboardInterrupt, lambda _: "interrupted", INTERRUPTED),
    (ClusterError, lambda e: one_line(e) + (" … (`citygis --debug …` shows the rest)"
                                            if "\n" in str(e).strip() else ""), 2),
    (DatabaseUnavailable, lambda e: f"cannot reach the database: "
     f"{one_line(e.__cause__ or '') or 'no answer'}; {UNREACHABLE_HINT}", 2),
    (DomainError, lambda e: one_line(e.message), 1),
    (AccountError, one_line, 1),
    (pydantic.ValidationError, _invalid, 2),
    ((psycopg.OperationalError, sqlalchemy.exc.OperationalError,
      asyncpg.InvalidCatalogNameError, asyncpg.InvalidAuthorizationSpecificationError),
     lambda e: f"cannot reach the database: {one_line(getattr(e, 'orig', None) or e)}; "
               f"{UNREACHABLE_HINT}", 2),
    ((asyncpg.UndefinedTableError, psycopg.errors.UndefinedTable),
     lambda e: f"the database is not set up ({one_line(e)}): run `citygis migrate`", 2),
    ((asyncpg.PostgresError, psycopg.Error, sqlalchemy.exc.SQLAlchemyError),
     lambda e: f"the database refused: {one_line(getattr(e, 'orig', None) or e)}", 1),
    (urllib.error.HTTPError, lambda e: f"{e.url}: HTTP {e.code} {e.reason}", 1),
    (urllib.error.URLError, lambda e: f"cannot read the URL: {one_line(e.reason)}", 1),
    (OSError, _os_error, 1),
    (UnicodeError, lambda e: f"a file is not in the expected text encoding: {one_line(e)}", 1),
]


def describe(error: BaseException) -> tuple[str, int]:
    """The one line to print and the exit status for what ended a command."""
    if isinstance(error, CliError):
        return one_line(error), error.status
    for kind, line, status in KNOWN:
        if isinstance(error, kind):
            return line(error) or _unexpected(error), status
    return _unexpected(error), 1
