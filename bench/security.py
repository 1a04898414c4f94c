"""Security figures, side by side in one run (issue 12): what a 50 MB body costs the server
with the body limit and without it, and whether a failed login takes the same time for a
known name as for an unknown one.

    .venv/bin/python -m bench.security [--bodies 3] [--logins 30]

Both servers run ``citygis serve`` (one worker) on the city's database; "unlimited" is the same
code with ``CITYGIS_MAX_BODY_BYTES`` raised to 10 GB, i.e. the behaviour before the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from pathlib import Path

import asyncpg
import httpx

from api.auth import service
from bench.server import Server
from gis_core.access import Role
from gis_core.database import connect_kwargs, database_url

BODY = b'{"username": "x", "password": "' + b"p" * (50 * 2**20) + b'"}'
LOG_DIR = Path("bench/results")


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _body_cost(server: Server, bodies: int) -> dict[str, object]:
    assert server._process is not None
    pid = server._process.pid
    before = _peak_rss_mb(pid)
    statuses = []
    started = time.perf_counter()
    for _ in range(bodies):
        try:
            statuses.append(httpx.post(f"{server.base}/auth/login", content=BODY, timeout=120,
                                       headers={"Content-Type": "application/json"}).status_code)
        except httpx.TransportError:
            statuses.append("closed")
    return {"statuses": statuses, "peak_rss_before_mb": round(before, 1),
            "peak_rss_after_mb": round(_peak_rss_mb(pid), 1),
            "seconds": round(time.perf_counter() - started, 2)}


def _login_ms(client: httpx.Client, username: str) -> float:
    started = time.perf_counter()
    client.post("/auth/login", json={"username": username, "password": "wrong password!"})
    return (time.perf_counter() - started) * 1000


def _login_timing(server: Server, logins: int) -> dict[str, float]:
    """Alternating known and unknown names, each from its own loopback address so the
    back-off (five per name and address) never engages."""
    known, unknown = [], []
    for n in range(logins):
        address = f"127.0.{n // 200 + 1}.{n % 200 + 2}"
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(base_url=server.base, transport=transport, timeout=30) as client:
            known.append(_login_ms(client, KNOWN))
            unknown.append(_login_ms(client, f"nobody{n}"))
    return {"known_median_ms": round(statistics.median(known), 1),
            "unknown_median_ms": round(statistics.median(unknown), 1)}


KNOWN = "bench_security"


async def _ensure_known_user() -> None:
    conn = await asyncpg.connect(**connect_kwargs(database_url()))
    try:
        if not await conn.fetchval("SELECT 1 FROM app_user WHERE username = $1", KNOWN):
            await service.create_user(conn, KNOWN, secrets.token_urlsafe(16), "bench",
                                      {Role.CITIZEN})
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=3)
    parser.add_argument("--logins", type=int, default=30)
    args = parser.parse_args()
    url = database_url()
    asyncio.run(_ensure_known_user())
    results = {}
    for name, limit in (("limited", None), ("unlimited", 10 * 2**30)):
        server = Server(url, 1, 64 * 2**20, LOG_DIR / f"security-{name}.log",
                        ready_path="/collections", layer_modules=())
        if limit is not None:
            server._env["CITYGIS_MAX_BODY_BYTES"] = str(limit)
        with server:
            results[name] = _body_cost(server, args.bodies)
            if name == "limited":
                results["login timing"] = _login_timing(server, args.logins)
    for name, figures in results.items():
        print(f"{name:>14}: {figures}")


if __name__ == "__main__":
    main()
