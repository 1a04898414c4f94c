"""The long fuzz (issue 11, deliverable 8): tests/api/test_fuzz.py with many more examples.

Creates the database citygis_bench_fuzz afresh (migrated, the city loaded, one account of every
role), starts ``citygis serve`` (1 worker) on it and runs Schemathesis over every operation of
the served OpenAPI document, anonymous and as each role, schema-valid and schema-invalid input
(``--examples`` of each per operation and caller), then the linked scenarios. Prints the
operations covered, requests sent, statuses, findings by kind and the time taken; writes JSON
to bench/results/. Exits 1 when anything was found. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from bench.report import RESULTS_DIR, machine, write_json
from bench.server import Server, fresh_city_database
from gis_core.database import connect_kwargs
from tests.api.fuzzing import CALLERS, Report, create_accounts, fuzz, fuzz_statefully

BENCH_DATABASE = "citygis_bench_fuzz"
STATEFUL_CALLERS = ("admin1", "citizen1", "facilitystaff", "planner1")


def prepare() -> URL:
    return fresh_city_database(BENCH_DATABASE)


def accounts(url: URL) -> dict[str, str]:
    async def create() -> dict[str, str]:
        conn = await asyncpg.connect(**connect_kwargs(url))
        try:
            return await create_accounts(conn, [n for n, role in CALLERS.items() if role])
        finally:
            await conn.close()
    return asyncio.run(create())


def run(base: str, tokens: dict[str, str], args: argparse.Namespace) -> tuple[Report, Report]:
    stateless = Report()
    for name in CALLERS:
        found = fuzz(base, [(name, tokens.get(name))], args.examples, args.seed)
        print(f"  {name:<14} {found.summary()}", flush=True)
        stateless.merge(found)
    stateful = Report()
    for name in STATEFUL_CALLERS:
        found = fuzz_statefully(base, name, tokens[name], args.scenarios, args.steps)
        print(f"  {name:<14} linked scenarios: {found.summary()}", flush=True)
        stateful.merge(found)
    return stateless, stateful


def figures(report: Report) -> dict[str, Any]:
    return {"operations": len(report.operations), "documented": len(report.documented),
            "requests": report.requests, "seconds": round(report.elapsed_s, 1),
            "statuses": dict(sorted(report.statuses.items())),
            "findings_by_kind": dict(report.by_kind()),
            "findings": [vars(finding) for finding in report.findings.values()]}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=int, default=200,
                   help="per operation, caller and mode (default 200; the test uses 3)")
    p.add_argument("--scenarios", type=int, default=500, help="linked scenarios per caller")
    p.add_argument("--steps", type=int, default=10, help="calls per scenario at most")
    p.add_argument("--seed", type=int, default=11)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = prepare()
    tokens = accounts(url)
    print(f"{len(CALLERS)} callers, {args.examples} examples per operation, caller and mode; "
          f"{args.scenarios} linked scenarios of ≤ {args.steps} calls per caller", flush=True)
    with Server(url, 1, 64 * 1024 * 1024, RESULTS_DIR / "fuzz-server.log",
                ready_path="/conformance", layer_modules=()) as server:
        stateless, stateful = run(server.base, tokens, args)
    for label, report in (("every operation", stateless), ("linked scenarios", stateful)):
        print(f"{label}: {report.summary()}\n  statuses {dict(sorted(report.statuses.items()))}")
    for finding in [*stateless.findings.values(), *stateful.findings.values()]:
        print(f"\n{finding}")
    path = write_json({"kind": "fuzz", "machine": machine(), "options": vars(args),
                       "date": date.today().isoformat(), "every_operation": figures(stateless),
                       "linked_scenarios": figures(stateful)}, prefix="fuzz")
    print(f"wrote {path}")
    return 1 if stateless.findings or stateful.findings else 0


if __name__ == "__main__":
    sys.exit(main())
