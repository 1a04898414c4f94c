"""PostgreSQL restarted under write load: every acknowledged write survives, the writes sent
while it is down get 503 + Retry-After (never 500), and the API recovers by itself.

The restart must not disturb the rest of the suite, so this test runs on a cluster of its own
(initdb into a temporary folder, the session's loaded city copied in with pg_dump)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from gis_core.cluster import LocalCluster
from gis_core.database import connect_kwargs, database_url, ensure_database
from gis_core.settings import get_settings
from tests.api.editing import Editing, editing_server

WRITERS = 4
FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.43, 35.745]},
           "properties": {"name": "停電試験", "kind": "community_center", "category_ja": "公民館",
                          "is_sample": True}}
GEOJSON = {"Content-Type": "application/geo+json"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_database(source: URL, target: URL, pg_bin: Path) -> None:
    """The loaded city, from the session's database into the test's own cluster."""
    def options(url: URL) -> list[str]:
        kw = connect_kwargs(url)
        return ["-h", kw["host"], "-p", str(kw["port"]), "-U", kw["user"], "-d", kw["database"]]

    dump = subprocess.Popen([str(pg_bin / "pg_dump"), "-Fc", *options(source)],
                            stdout=subprocess.PIPE)
    subprocess.run([str(pg_bin / "pg_restore"), "--no-owner", "--exit-on-error",
                    *options(target)], stdin=dump.stdout, check=True, capture_output=True)
    assert dump.wait() == 0


@pytest.fixture
def own_cluster(tmp_path: Path, db_url: URL) -> Iterator[tuple[LocalCluster, URL]]:
    settings = get_settings().model_copy(update={
        "var_dir": tmp_path / "var", "pg_port": _free_port(), "database_url": None})
    cluster = LocalCluster(settings)
    cluster.start()
    try:
        url = database_url(settings)
        ensure_database(url)
        _copy_database(db_url, url, settings.pg_bin_dir)
        yield cluster, url
    finally:
        cluster.stop()
        shutil.rmtree(cluster.data_dir.parent, ignore_errors=True)


@dataclass
class Load:
    """Writers that create features until told to stop, keeping every answer."""

    editing: Editing
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[httpx.Response] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self) -> None:
        with self.editing.client("planner1") as client:
            while not self.stop.is_set():
                try:
                    answer = client.post("/collections/facilities/items", json=FEATURE,
                                         headers=GEOJSON)
                except httpx.TransportError:
                    continue  # not an answer: the server itself is up throughout
                with self.lock:
                    self.answers.append(answer)

    def run_while(self, action: Callable[[], None]) -> None:
        threads = [threading.Thread(target=self.write) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        try:
            action()
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


def _restart(cluster: LocalCluster) -> None:
    time.sleep(1.0)  # writes flowing
    cluster.stop()
    time.sleep(1.5)  # down: every write meanwhile must get a 503
    cluster.start()
    time.sleep(2.0)  # up again: writes must succeed without restarting the API


def test_a_restart_under_write_load_loses_nothing_and_answers_503(
        own_cluster: tuple[LocalCluster, URL]) -> None:
    cluster, url = own_cluster
    with editing_server(url) as editing:
        load = Load(editing)
        load.run_while(lambda: _restart(cluster))
        statuses = [a.status_code for a in load.answers]
        assert set(statuses) <= {201, 503}, sorted(set(statuses))
        assert 503 in statuses, "the outage was not seen: no write was refused"
        refused = next(a for a in load.answers if a.status_code == 503)
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) > 0
        assert statuses[-WRITERS:] == [201] * WRITERS, "the API did not recover"
        acknowledged = {int(a.headers["Location"].rsplit("/", 1)[1])
                        for a in load.answers if a.status_code == 201}
        stored = {r["id"] for r in editing.fetch("SELECT id FROM facility")}
        assert acknowledged <= stored
