"""The server under test: ``citygis serve`` as a subprocess on a free 127.0.0.1 port, on the
benchmark database, with the benchmark layers published."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import URL

from data.load import load_city
from gis_core.database import database_url, psycopg_connect
from gis_core.migrate import upgrade
from gis_core.settings import PROJECT_ROOT
from layers import migration_folders

CITYGIS = PROJECT_ROOT / ".venv" / "bin" / "citygis"
READY_PATH = "/collections/bench_points/queryables"


def fresh_city_database(name: str) -> URL:
    """The database ``name`` made anew on the project's server: migrated, the city loaded."""
    url = database_url().set(database=name)
    with psycopg_connect(url.set(database="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    upgrade(url, migration_folders())
    load_city(url, progress=False)
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(url: URL, cache_bytes: int,
               layer_modules: tuple[str, ...] = ("bench.layers",)) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "CITYGIS_EXTRA_LAYER_MODULES": json.dumps(list(layer_modules)),
        "CITYGIS_TILE_CACHE_BYTES": str(cache_bytes),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                    env.get("PYTHONPATH")])),
    })
    return env


class Server:
    def __init__(self, url: URL, workers: int, cache_bytes: int, log_path: Path,
                 ready_path: str = READY_PATH,
                 layer_modules: tuple[str, ...] = ("bench.layers",)) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.ready_path = ready_path
        self._env = server_env(url, cache_bytes, layer_modules)
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self._log_path.open("wb")
        self._process = subprocess.Popen(
            [str(CITYGIS), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self._env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self._log_path}")
            if self._answers():
                time.sleep(1.0 * (self.workers - 1))  # let every worker finish its start-up
                return
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {timeout} s; see {self._log_path}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def __exit__(self, _type: type[BaseException] | None, _exc: BaseException | None,
                 _tb: TracebackType | None) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # our own session: the server and workers
            process.wait()
