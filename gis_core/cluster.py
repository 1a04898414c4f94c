"""The project-owned PostgreSQL + PostGIS cluster under ``var/``.

Never the system cluster: its own data directory, its own Unix socket and port, and a server
process that runs as an unprivileged OS user (created when we are root). Connections are over
the Unix socket only, so the cluster is not reachable from the network.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from gis_core.settings import Settings

SOCKET_PATH_LIMIT = 100  # sockaddr_un.sun_path is 108 bytes on Linux


class ClusterError(RuntimeError):
    """The local cluster could not be set up or started."""


@dataclass(frozen=True)
class LocalCluster:
    settings: Settings

    @cached_property
    def data_dir(self) -> Path:
        """``var/pgdata``, unless the server's OS user cannot reach ``var/`` (a checkout under
        a private home folder): then a folder of its own under /var/tmp."""
        preferred = self.settings.var_dir / "pgdata"
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        if self._run("test", "-x", str(self.settings.var_dir), check=False).returncode == 0:
            return preferred
        digest = hashlib.sha1(str(preferred).encode()).hexdigest()[:10]
        return Path("/var/tmp") / f"citygis-{digest}" / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "log" / "postgresql.log"

    @property
    def socket_dir(self) -> Path:
        preferred = self.data_dir.parent / "run"
        if len(str(preferred / f".s.PGSQL.{self.settings.pg_port}")) <= SOCKET_PATH_LIMIT:
            return preferred
        digest = hashlib.sha1(str(preferred).encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"citygis-{digest}"

    @property
    def url(self) -> str:
        s = self.settings
        return (
            f"postgresql+psycopg://{s.pg_os_user}@/{s.db_name}"
            f"?host={self.socket_dir}&port={s.pg_port}"
        )

    def _binary(self, name: str) -> str:
        path = self.settings.pg_bin_dir / name
        if not path.exists():
            raise ClusterError(f"{path} not found: install postgresql-15 (make deps does)")
        return str(path)

    def _owner(self) -> pwd.struct_passwd:
        if os.geteuid() != 0:
            return pwd.getpwuid(os.geteuid())
        name = self.settings.pg_os_user
        try:
            return pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                check=True,
            )
            return pwd.getpwnam(name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", self._owner().pw_name, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, cwd="/")

    def _prepare_dirs(self) -> None:
        owner = self._owner()
        for folder in (self.data_dir.parent, self.data_dir, self.socket_dir,
                       self.log_file.parent):
            folder.mkdir(parents=True, exist_ok=True)
            if folder != self.settings.var_dir:
                shutil.chown(folder, owner.pw_uid, owner.pw_gid)
        self.data_dir.chmod(0o700)
        self._check_reachable(owner)

    def _check_reachable(self, owner: pwd.struct_passwd) -> None:
        probe = self._run("test", "-w", str(self.data_dir), check=False)
        if probe.returncode != 0:
            raise ClusterError(
                f"OS user {owner.pw_name} cannot reach {self.data_dir}; make its parent "
                "folders traversable (chmod o+x) or set CITYGIS_VAR_DIR elsewhere"
            )

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> bool:
        """Create the cluster once; returns True when it was created now."""
        self._prepare_dirs()
        if self.is_initialised():
            return False
        result = self._run(
            self._binary("initdb"), "-D", str(self.data_dir), "-U", self.settings.pg_os_user,
            "--auth=trust", "--encoding=UTF8", "--no-locale", check=False,
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb failed:\n{result.stderr}")
        self._write_config()
        return True

    def _write_config(self) -> None:
        conf = self.data_dir / "postgresql.auto.conf"
        conf.write_text(
            "# written by citygis: a private cluster reachable only through its socket\n"
            "listen_addresses = ''\n"
            f"port = {self.settings.pg_port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "max_connections = 200\n"
            "shared_buffers = '512MB'\n"
            "work_mem = '32MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "jit = off\n"
            "max_parallel_workers_per_gather = 0\n"
            "timezone = 'Asia/Tokyo'\n"
            "log_timezone = 'Asia/Tokyo'\n"
        )
        self._run("chmod", "600", str(conf))

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        result = self._run(self._binary("pg_ctl"), "-D", str(self.data_dir), "status", check=False)
        return result.returncode == 0

    def start(self) -> bool:
        """Start the server if it is not running; returns True when it was started now."""
        self.init()
        if self.is_running():
            return False
        result = self._run(
            self._binary("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
            "-w", "-t", "60", "start", check=False,
        )
        if result.returncode != 0:
            log = self.log_file
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ClusterError(f"PostgreSQL did not start:\n{result.stderr}\n{tail}")
        return True

    def stop(self) -> bool:
        if not self.is_running():
            return False
        self._run(self._binary("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        return True

    def status(self) -> str:
        if not self.is_initialised():
            return f"no cluster at {self.data_dir}"
        state = "running" if self.is_running() else "stopped"
        return f"{state}: {self.data_dir} (socket {self.socket_dir}, port {self.settings.pg_port})"
