"""Schemathesis over every operation of the served OpenAPI document (issue 11, deliverable 8):
anonymous and as every role, on a database of this module's own (the fuzz writes); no 5xx, no
answer the document does not describe, no problem that leaks. Bounded; ``python -m
bench.fuzz`` runs the same with many more examples."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL

from tests.api.editing import Editing, editing_server
from tests.api.fuzzing import CALLERS, Report, create_accounts, fuzz, fuzz_statefully

EXAMPLES = 3  # per operation, caller and mode (schema-valid, schema-invalid)
SCENARIOS, STEPS = 50, 8  # stateful: scenarios per caller, calls per scenario at most


@pytest.fixture(scope="module")
def editing(fresh_module_db: URL) -> Iterator[Editing]:
    with editing_server(fresh_module_db) as editing:
        missing = [name for name, role in CALLERS.items()
                   if role is not None and name not in editing.tokens]  # roles editing lacks
        editing.tokens.update(editing.db(lambda conn: create_accounts(conn, missing)))
        yield editing


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_operation_answers_as_documented(editing: Editing, caller: str) -> None:
    token = editing.tokens.get(caller)
    report = fuzz(editing.live.url, [(caller, token)], EXAMPLES)
    assert_clean(report)
    assert report.operations == report.documented and len(report.documented) >= 90


@pytest.mark.parametrize("caller", ["admin1", "citizen1"])
def test_linked_scenarios_answer_as_documented(editing: Editing, caller: str) -> None:
    """Chains that follow the links: create, then read, change and delete what was made."""
    report = fuzz_statefully(editing.live.url, caller, editing.tokens[caller], SCENARIOS, STEPS)
    assert_clean(report)
    assert report.requests > SCENARIOS


def assert_clean(report: Report) -> None:
    print(f"\n{report.summary()}; statuses {dict(sorted(report.statuses.items()))}")
    assert not report.findings, f"{report.summary()}\n\n{report.details()}"
