"""Schemathesis over the OpenAPI document the server itself serves (issue 11): every operation,
as a given caller, with schema-valid and schema-invalid input; every answer is checked against
the document (status, content type, body, headers), must not be a 5xx and, when it is a
problem document, must not give away internals. Findings are collected, not raised, so one
run reports all of them. Used by tests/api/test_fuzz.py (bounded) and bench/fuzz.py (long)."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import service
from gis_core.access import Role
from tests.leaks import leaks

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
# Answers a stream for as long as the client listens: a request never ends, so nothing can
# be checked (tests/disaster covers it with a client that stops reading).
UNFUZZABLE = {"GET /shelters/events"}
REQUEST_TIMEOUT_S = 30
CALLERS: dict[str, Role | None] = {
    "anonymous": None, "citizen1": Role.CITIZEN, "planner1": Role.PLANNER,
    "officer": Role.DISASTER_OFFICER, "netstaff": Role.NETWORK_STAFF,
    "caseworker": Role.CASEWORKER, "facilitystaff": Role.FACILITY_STAFF, "admin1": Role.ADMIN,
}
"""Who the fuzz calls as: nobody, then one account of every role."""
schemathesis.serializer.alias("image/tiff", "application/octet-stream")  # PUT /rasters/{id}


@dataclass(frozen=True)
class Finding:
    kind: str  # "5xx", "schema violation", "leak", "no answer"
    operation: str
    caller: str
    title: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.caller} {self.operation}: {self.title}\n{self.detail}"


@dataclass
class Report:
    """What a run did and found; findings are kept once per (kind, operation, caller, title)."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)  # those requested at least once
    documented: set[str] = field(default_factory=set)  # those the document has, less UNFUZZABLE
    findings: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def add(self, finding: Finding) -> None:
        key = (finding.kind, finding.operation, finding.caller, finding.title)
        self.findings.setdefault(key, finding)

    def by_kind(self) -> Counter[str]:
        return Counter(finding.kind for finding in self.findings.values())

    def merge(self, other: Report) -> None:
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.operations |= other.operations
        self.documented |= other.documented
        for finding in other.findings.values():
            self.add(finding)
        self.elapsed_s += other.elapsed_s

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.by_kind().items())) or "none"
        return (f"{len(self.operations)} operations, {self.requests} requests in "
                f"{self.elapsed_s:.1f} s; findings: {kinds}")

    def details(self, limit: int = 30) -> str:
        shown = list(self.findings.values())[:limit]
        return "\n\n".join(str(finding) for finding in shown)


async def create_accounts(conn: asyncpg.Connection, names: Iterable[str]) -> dict[str, str]:
    """Accounts (``CALLERS``' roles) with bearer tokens, by name."""
    tokens = {}
    for name in names:
        role = CALLERS[name]
        assert role is not None, name
        user_id = await service.create_user(conn, name, "fuzz fuzz fuzz", name.title(), {role})
        tokens[name] = await service.create_token(conn, user_id, "fuzz")
    return tokens


def load_schema(base_url: str) -> schemathesis.schemas.BaseSchema:
    """The 3.1 document as the server serves it, less what cannot be fuzzed."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=REQUEST_TIMEOUT_S)
    return schema.exclude(name=list(UNFUZZABLE))


def operations(schema: schemathesis.schemas.BaseSchema) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _kind(failure: Failure) -> str:
    return "5xx" if isinstance(failure, ServerError) else "schema violation"


def _problem_leaks(response: schemathesis.Response) -> list[str]:
    if not response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
        return []
    try:
        body = response.json()
    except ValueError:
        return ["a problem body that is not JSON"]
    return leaks(body) if isinstance(body, dict) else ["a problem body that is not an object"]


class Caller:
    """Sends cases as one identity (a bearer token, or none) and checks each answer."""

    def __init__(self, base_url: str, name: str, token: str | None, report: Report) -> None:
        self.base_url, self.name, self.report = base_url, name, report
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, case: Case) -> schemathesis.Response | None:
        label = case.operation.label
        self.report.operations.add(label)
        self.report.requests += 1
        try:
            response = case.call(base_url=self.base_url, session=self.session,
                                 timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as exc:
            self._found("no answer", label, type(exc).__name__, case.as_curl_command())
            return None
        self.report.statuses[response.status_code] += 1
        self.check(case, response)
        return response

    def check(self, case: Case, response: schemathesis.Response) -> None:
        label = case.operation.label
        try:
            case.validate_response(response, checks=CHECKS,
                                   transport_kwargs={"base_url": self.base_url})
        except FailureGroup as group:
            curl = case.as_curl_command()
            for failure in group.exceptions:
                self._found(_kind(failure), label, failure.title,
                            f"{failure.message[:800]}\n[{response.status_code}] "
                            f"{response.text[:300]}\n{curl}")
        for leak in _problem_leaks(response):
            self._found("leak", label, leak, case.as_curl_command())

    def _found(self, kind: str, operation: str, title: str, detail: str) -> None:
        self.report.add(Finding(kind, operation, self.name, title, detail))

    def close(self) -> None:
        self.session.close()


def fuzz_settings(examples: int, **more: Any) -> hypothesis.settings:
    more.setdefault("derandomize", False)
    return hypothesis.settings(
        max_examples=examples, deadline=None, database=None,
        phases=[Phase.explicit, Phase.generate],  # findings are collected, never shrunk
        suppress_health_check=list(HealthCheck), verbosity=hypothesis.Verbosity.quiet, **more)


def fuzz_operation(operation: Any, send: Callable[[Case], object], examples: int,
                   seed: int) -> None:
    """``examples`` schema-valid and as many schema-invalid cases of one operation."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @hypothesis.seed(seed)
        @fuzz_settings(examples)
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Case) -> None:
            send(case)

        with contextlib.suppress(hypothesis.errors.Unsatisfiable):
            run()  # Unsatisfiable: e.g. no invalid value exists for a lone optional boolean


def fuzz(base_url: str, callers: Iterable[tuple[str, str | None]], examples: int,
         seed: int = 11) -> Report:
    """Every operation as every caller (name, bearer token or None)."""
    started, report = time.monotonic(), Report()
    schema = load_schema(base_url)
    report.documented = {operation.label for operation in operations(schema)}
    for name, token in callers:
        caller = Caller(base_url, name, token, report)
        try:
            for operation in operations(schema):
                fuzz_operation(operation, caller, examples, seed)
        finally:
            caller.close()
    report.elapsed_s = time.monotonic() - started
    return report


def fuzz_statefully(base_url: str, name: str, token: str | None, scenarios: int, steps: int,
                    report: Report | None = None) -> Report:
    """Scenarios of up to ``steps`` calls that follow the document's links (and the ones
    Schemathesis infers), each answer checked like the stateless ones."""
    started, report = time.monotonic(), report or Report()
    caller = Caller(base_url, name, token, report)

    class Scenario(load_schema(base_url).as_state_machine()):  # type: ignore[misc]
        def step(self, input: StepInput) -> StepOutput:
            response = caller(input.case)
            if response is None:
                hypothesis.reject()  # no answer: already a finding; the scenario cannot go on
            return StepOutput(response, input.case)

    try:
        # Hypothesis replays choices it has seen; when the server's data changed meanwhile a
        # replay can offer other rules and it stops as "flaky". What ran until then counts.
        with contextlib.suppress(hypothesis.errors.FlakyStrategyDefinition):
            Scenario.run(settings=fuzz_settings(scenarios, stateful_step_count=steps,
                                                derandomize=True))
    finally:
        caller.close()
    report.elapsed_s += time.monotonic() - started
    return report
