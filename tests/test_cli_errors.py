"""Every ``citygis`` command, given bad input, a missing file, a database that does not answer
or no terminal to prompt on, says why in one line on stderr and exits non-zero — no traceback.
The real executable is run, with stdin that is not a terminal."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from cli.errors import CliError, describe
from cli.main import parser

CITYGIS = Path(sys.executable).parent / "citygis"
UNREACHABLE = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
REACHABLE = "reachable"  # placeholder for the session database's URL
USAGE = "usage"
ONE_LINE = "one line"


def citygis(*args: str, env: dict[str, str | None] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run the installed executable; a variable set to None is taken out of the environment."""
    merged = {**os.environ, **(env or {})}
    environment = {name: value for name, value in merged.items() if value is not None}
    return subprocess.run([str(CITYGIS), *args], env=environment, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def assert_one_line(result: subprocess.CompletedProcess[str], kind: str = ONE_LINE) -> str:
    """The one line (for usage errors argparse's usage comes before it); never a traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if kind == USAGE:
        assert lines[0].startswith("usage: citygis") and ": error: " in lines[-1], result.stderr
        return lines[-1]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def reachable(db_url: URL) -> dict[str, str]:
    return {"DATABASE_URL": db_url.render_as_string(hide_password=False)}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening.getsockname()[1]


CASES = [  # (arguments, environment, expected kind, words in the line)
    (["db", "sideways"], {}, USAGE, "invalid choice"),
    (["db", "status"], {"CITYGIS_PG_BIN_DIR": "/nonexistent"}, ONE_LINE, "pg_ctl not found"),
    (["db", "status"], {"CITYGIS_PG_PORT": "abc"}, ONE_LINE, "CITYGIS_PG_PORT"),
    (["migrate"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["load", "--quiet"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["load", "--quiet"], {"CITYGIS_DATA_DIR": "/nonexistent"}, ONE_LINE, "CITYGIS_DATA_DIR"),
    (["setup", "--quiet"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["import", "gsi-shelters", "/nonexistent/避難所.csv"], UNREACHABLE, ONE_LINE,
     "no such file"),
    (["import", "ksj-p02", "/"], UNREACHABLE, ONE_LINE, "a folder, not a file"),
    (["import", "shapefile", "x.shp"], {}, USAGE, "invalid choice"),
    (["import", "gsi-shelters", "{garbage}"], REACHABLE, ONE_LINE, "missing column"),
    (["import", "flood-depth", "{garbage}"], REACHABLE, ONE_LINE, "not a readable GeoTIFF"),
    (["user", "add", "newbie", "--role", "planner"], UNREACHABLE, ONE_LINE,
     "no terminal to ask for a password; use --password-stdin"),
    (["user", "add", "newbie", "--role", "wizard"], {}, USAGE, "invalid choice: 'wizard'"),
    (["user", "add", "newbie", "--password-stdin"], REACHABLE, ONE_LINE, "at least"),
    (["user", "add", "newbie", "--password-stdin"], UNREACHABLE, ONE_LINE, "cannot reach"),
    (["user", "role", "nobody_at_all", "--add", "planner"], REACHABLE, ONE_LINE, "no user"),
    (["user", "token", "nobody_at_all"], REACHABLE, ONE_LINE, "no user"),
    (["user", "token", "nobody_at_all", "--days", "soon"], {}, USAGE, "invalid int"),
    (["user", "revoke", "nobody_at_all"], REACHABLE, ONE_LINE, "no user"),
    (["user", "list"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["lottery", "verify", "first"], {}, USAGE, "invalid int"),
    (["lottery", "verify", "999999"], REACHABLE, ONE_LINE, "no lottery round 999999"),
    (["lottery", "verify", "1"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["lottery", "verify", "1", "--url", "http://127.0.0.1:1"], {}, ONE_LINE, "cannot read"),
    (["lottery", "lapse"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["notify", "drain"], {"CITYGIS_SMTP_HOST": ""}, ONE_LINE, "CITYGIS_SMTP_HOST"),
    (["notify", "drain", "--limit", "all"], {}, USAGE, "invalid int"),
    (["notify", "drain"], {**UNREACHABLE, "CITYGIS_SMTP_HOST": "127.0.0.1"}, ONE_LINE,
     "cannot reach the database"),
    (["export-map", "nowhere", "-o", "{tmp}/map.html"], REACHABLE, ONE_LINE, "unknown layer"),
    (["export-map", "shelters", "-o", "/nonexistent/map.html"], REACHABLE, ONE_LINE,
     "no such folder"),
    (["export-map", "shelters", "-o", "{tmp}/map.html"], UNREACHABLE, ONE_LINE,
     "cannot reach the database"),
    (["serve", "--port", "99999"], {}, USAGE, "not a TCP port"),
    (["serve", "--workers", "0"], {}, USAGE, "not a positive number"),
    (["serve", "--port", "8799"], UNREACHABLE, ONE_LINE, "cannot reach the database"),
    (["serve", "--port", "{busy}"], REACHABLE, ONE_LINE, "cannot listen"),
]


@pytest.mark.parametrize(("args", "env", "kind", "words"), CASES,
                         ids=[" ".join(case[0]) for case in CASES])
def test_a_failing_command_says_why_in_one_line(args: list[str], env: dict[str, str] | str,
                                                kind: str, words: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("名前,住所\n役所,中央\n", encoding="utf-8")
    busy = request.getfixturevalue("busy_port") if "{busy}" in args else 0
    args = [a.format(tmp=tmp_path, garbage=garbage, busy=busy) for a in args]
    if env == REACHABLE:
        env = request.getfixturevalue("reachable")
    environment: dict[str, str | None] = dict(env)
    if args[0] == "db":
        environment["DATABASE_URL"] = None  # the project's own cluster, not a given database
    line = assert_one_line(citygis(*args, env=environment), kind)
    assert words in line


def test_every_command_has_a_failing_case() -> None:
    commands = next(action.choices for action in parser()._actions
                    if isinstance(action, argparse._SubParsersAction))
    assert set(commands) == {case[0][0] for case in CASES}
    actions = {(case[0][0], case[0][1]) for case in CASES if case[0][0] in ("user", "lottery")}
    assert actions == {("user", a) for a in ("add", "role", "token", "revoke", "list")} | {
        ("lottery", "verify"), ("lottery", "lapse")}


def test_debug_shows_the_traceback() -> None:
    for switch, env in ((["--debug"], UNREACHABLE), ([], {**UNREACHABLE, "CITYGIS_DEBUG": "1"})):
        result = citygis(*switch, "user", "list", env=env)
        assert result.returncode != 0 and "Traceback" in result.stderr


@pytest.mark.parametrize(("error", "line", "status"), [
    (KeyboardInterrupt(), "interrupted", 130),
    (CliError("no terminal", status=3), "no terminal", 3),
    (FileNotFoundError(2, "No such file or directory", "/x/y.csv"),
     "/x/y.csv: no such file or directory", 1),
    (RuntimeError("first\nsecond"), "unexpected RuntimeError: first", 1),
])
def test_exceptions_become_one_line(error: BaseException, line: str, status: int) -> None:
    described, code = describe(error)
    assert described.startswith(line) and code == status
    assert not re.search(r"\n", described)
