"""The monthly lottery against the real PostGIS: the seed committed then revealed, a draw
anyone can verify (and that fails verification once tampered with), one entry per household
per slot, weights favouring repeated losers, ranked choices in rounds, and wins that lapse to
first-come when not confirmed in time."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from gis_core.access import Role
from gis_core.errors import ConflictError, NotPermitted, RuleViolation
from gis_core.settings import PROJECT_ROOT
from layers.facilities import booking, draw, lottery, lottery_draw, notify
from layers.facilities.schemas import BookingIn, EntryIn, RoundIn
from tests.conftest import LiveServer
from tests.facilities.conftest import DB
from tests.facilities.helpers import Mailbox, Person, assert_problem, make_person

HOUR = timedelta(hours=1)


def open_round(db: DB, month: date, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    data = RoundIn(month=month, opens_at=now - HOUR, closes_at=now + HOUR,
                   confirm_by=now + 2 * HOUR, **extra)
    return db(lambda conn: lottery.create_round(conn, data, None))


def slot_ids(db: DB, round_id: int) -> list[int]:
    return [s["id"] for s in db(lambda conn: lottery.round_slots(conn, round_id))]


def citizen(db: DB, name: str, address: str | None = None, verified: bool = True) -> Person:
    return db(lambda conn: make_person(conn, f"c-{name}", address=address or f"中央{name}",
                                       verified=verified))


def enter(db: DB, round_id: int, person: Person, choices: list[int]) -> dict[str, Any]:
    return db(lambda conn: lottery.apply(conn, round_id, person.user_id,
                                         EntryIn(choices=choices)))


def run_draw(db: DB, round_doc: dict[str, Any], seed: str | None = None) -> dict[str, Any]:
    after = datetime.fromisoformat(round_doc["closes_at"]) + timedelta(seconds=1)
    return db(lambda conn: lottery_draw.run_draw(conn, round_doc["id"], seed, now=after))


def published(db: DB, round_id: int) -> dict[str, Any]:
    return db(lambda conn: lottery_draw.published(conn, round_id))


def cli(url: URL, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


# --- commit, reveal, verify ----------------------------------------------------------------------

def test_the_seed_is_committed_then_revealed_and_the_draw_verifies(db: DB,
                                                                   fresh_module_db: URL) -> None:
    opened = open_round(db, date(2027, 3, 1))
    assert opened["seed"] is None and len(opened["seed_commitment"]) == 64
    slots = slot_ids(db, opened["id"])
    people = [citizen(db, f"v{n}") for n in range(6)]
    for n, person in enumerate(people):
        enter(db, opened["id"], person, [slots[n % 2], slots[2 + n % 3]])
    assert published(db, opened["id"])["results"] == []
    drawn = run_draw(db, opened)
    assert drawn["status"] == "drawn" and drawn["seed"] is None  # drawn, not yet revealed
    assert draw.verify(published(db, opened["id"])) == ["the seed is not revealed yet"]
    revealed = db(lambda conn: lottery_draw.reveal(conn, opened["id"]))
    seed = bytes.fromhex(revealed["seed"])
    assert hashlib.sha256(seed).hexdigest() == opened["seed_commitment"]
    document = published(db, opened["id"])
    assert draw.verify(document) == [] and len(document["results"]) in (4, 5)
    verified = cli(fresh_module_db, "lottery", "verify", str(opened["id"]))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified" in verified.stdout


def test_verify_fails_when_a_result_is_tampered_with(db: DB, fresh_module_db: URL) -> None:
    opened = open_round(db, date(2027, 4, 1))
    slots = slot_ids(db, opened["id"])
    for n in range(4):
        enter(db, opened["id"], citizen(db, f"t{n}"), [slots[0]])
    run_draw(db, opened)
    db(lambda conn: lottery_draw.reveal(conn, opened["id"]))
    assert cli(fresh_module_db, "lottery", "verify", str(opened["id"])).returncode == 0

    async def swap_winner(conn: asyncpg.Connection) -> None:
        await conn.execute(
            "UPDATE lottery_result SET entry_id = (SELECT e.id FROM lottery_entry e WHERE "
            "e.round_id = $1 AND e.id <> lottery_result.entry_id ORDER BY e.id LIMIT 1) "
            "WHERE slot_id = $2", opened["id"], slots[0])
    db(swap_winner)
    tampered = cli(fresh_module_db, "lottery", "verify", str(opened["id"]))
    assert tampered.returncode == 1
    assert "NOT VERIFIED" in tampered.stdout and f"slot {slots[0]}" in tampered.stdout


def test_verify_fails_when_the_published_entries_change(db: DB) -> None:
    opened = open_round(db, date(2027, 5, 1))
    slots = slot_ids(db, opened["id"])
    for n in range(3):
        enter(db, opened["id"], citizen(db, f"d{n}"), [slots[0], slots[1]])
    run_draw(db, opened)
    db(lambda conn: lottery_draw.reveal(conn, opened["id"]))
    document = published(db, opened["id"])
    document["entries"][0]["prior_losses"] += 3
    assert any("entries_digest" in p for p in draw.verify(document))
    document = published(db, opened["id"])
    document["round"]["seed"] = "00" * 32
    assert any("commitment" in p for p in draw.verify(document))


def test_a_seed_staff_kept_offline_must_match_its_commitment(db: DB) -> None:
    seed = bytes(range(32))
    opened = open_round(db, date(2027, 6, 1),
                        seed_commitment=hashlib.sha256(seed).hexdigest())
    slots = slot_ids(db, opened["id"])
    enter(db, opened["id"], citizen(db, "k1"), [slots[0]])
    for wrong in (None, "ff" * 32):
        with pytest.raises(RuleViolation) as refused:
            run_draw(db, opened, wrong)
        assert refused.value.field == "seed"
    run_draw(db, opened, seed.hex())
    assert db(lambda conn: lottery_draw.reveal(conn, opened["id"]))["seed"] == seed.hex()
    assert draw.verify(published(db, opened["id"])) == []


# --- who may enter, and how often ----------------------------------------------------------------

def test_one_entry_per_household_per_slot(live: LiveServer, db: DB) -> None:
    opened = open_round(db, date(2027, 7, 1))
    slots = slot_ids(db, opened["id"])
    mother = citizen(db, "mother", "東京都東大和市中央三丁目１番地２号")
    son = citizen(db, "son", "中央3-1-2")  # the same address written differently
    stranger = citizen(db, "unverified", "中央1-1-1", verified=False)
    url = f"/lottery/rounds/{opened['id']}/entries"
    with mother.client(live.url) as client:
        first = client.post(url, json={"choices": [slots[0], slots[1]]})
        assert first.status_code == 201, first.text
        assert first.json()["public_id"].startswith("E")
        assert_problem(client.post(url, json={"choices": [slots[2]]}), 409, "roundId")
    with son.client(live.url) as client:
        same_slot = client.post(url, json={"choices": [slots[2], slots[1]]})
        assert assert_problem(same_slot, 409, "choices")["type"] == "/problems/household-duplicate"
        assert client.post(url, json={"choices": [slots[2], slots[3]]}).status_code == 201
    with stranger.client(live.url) as client:
        refused = client.post(url, json={"choices": [slots[4]]})
    assert assert_problem(refused, 403)["type"] == "/problems/address-not-verified"
    with pytest.raises(NotPermitted):
        enter(db, opened["id"], stranger, [slots[4]])


def test_bad_entries_name_the_field(live: LiveServer, db: DB) -> None:
    opened = open_round(db, date(2027, 8, 1), max_choices=2)
    slots = slot_ids(db, opened["id"])
    person = citizen(db, "careless")
    url = f"/lottery/rounds/{opened['id']}/entries"
    with person.client(live.url) as client:
        assert_problem(client.post(url, json={"choices": slots[:3]}), 422, "choices")
        assert_problem(client.post(url, json={"choices": [slots[0], slots[0]]}), 422, "choices")
        assert_problem(client.post(url, json={"choices": [999_999]}), 422, "choices")
        assert_problem(client.post(url, json={"choices": []}), 400, "choices")
        assert_problem(client.post(url, json={"choices": [slots[0]], "party_size": 9999}),
                       422, "party_size")
        assert_problem(client.post("/lottery/rounds/999999/entries",
                                   json={"choices": [1]}), 404, "roundId")


# --- the draw ------------------------------------------------------------------------------------

def test_loser_weighting_favours_repeated_losers() -> None:
    """Two entries on one slot: a household that lost its last four rounds (weight 3.0) wins
    about three times in four against a first-timer (weight 1.0)."""
    assert [draw.weight(n) for n in range(7)] == [1.0, 1.5, 2.0, 2.5, 3.0, 3.0, 3.0]
    loser, newcomer = draw.Entry("EA", (1,), 4), draw.Entry("EB", (1,), 0)
    wins = Counter(draw.draw(n.to_bytes(4, "big"), 7, [loser, newcomer], [1])[0].entry
                   for n in range(4000))
    assert 0.72 < wins["EA"] / 4000 < 0.78
    even = Counter(draw.draw(n.to_bytes(4, "big"), 7, [draw.Entry("EA", (1,)), newcomer],
                             [1])[0].entry for n in range(4000))
    assert 0.47 < even["EA"] / 4000 < 0.53


def test_prior_losses_come_from_the_households_history(db: DB) -> None:
    first = open_round(db, date(2027, 9, 1))
    slot = slot_ids(db, first["id"])[0]
    a, b = citizen(db, "hist-a"), citizen(db, "hist-b")
    enter(db, first["id"], a, [slot])
    enter(db, first["id"], b, [slot])
    run_draw(db, first)
    winner = published(db, first["id"])["results"][0]["entry"]
    won = a if enter_id(db, a, first["id"]) == winner else b
    lost = b if won is a else a
    second = open_round(db, date(2027, 10, 1))
    slots = slot_ids(db, second["id"])
    newcomer = citizen(db, "hist-c")
    for person, choice in ((won, slots[0]), (lost, slots[1]), (newcomer, slots[2])):
        enter(db, second["id"], person, [choice])
    run_draw(db, second)
    losses = {e["entry"]: e["prior_losses"] for e in published(db, second["id"])["entries"]}
    assert losses == {enter_id(db, won, second["id"]): 0, enter_id(db, lost, second["id"]): 1,
                      enter_id(db, newcomer, second["id"]): 0}


def enter_id(db: DB, person: Person, round_id: int) -> str:
    entries = db(lambda conn: lottery.user_entries(conn, person.user_id))
    return next(e["public_id"] for e in entries if e["round_id"] == round_id)


def test_ranked_choices_are_processed_in_rounds() -> None:
    first_choice, second_choice = draw.Entry("EA", (1,)), draw.Entry("EB", (2, 1))
    contested, fallback = draw.Entry("EC", (3, 4)), draw.Entry("ED", (3,))
    for n in range(300):
        seed = n.to_bytes(4, "big")
        wins = {w.entry: (w.slot, w.rank) for w in draw.draw(
            seed, 1, [first_choice, second_choice, contested, fallback], [1, 2, 3, 4])}
        # a first choice beats any second choice; each entry wins once at most
        assert wins["EA"] == (1, 1) and wins["EB"] == (2, 1)
        # whoever loses slot 3 in round 1 gets its second choice if it has one
        assert wins.get("EC") in ((3, 1), (4, 2)) and ("ED" in wins) == (wins["EC"] == (4, 2))
    assert draw.draw(b"s", 1, [draw.Entry("EX", (5,))], [6]) == []  # slot 5 unavailable


def test_the_same_seed_gives_the_same_result() -> None:
    entries = [draw.Entry(f"E{n:04d}", (n % 7, (n * 3) % 11 + 7), n % 5) for n in range(500)]
    once = draw.draw(b"seed", 9, entries, range(20))
    assert once == draw.draw(b"seed", 9, list(reversed(entries)), range(20))
    assert once != draw.draw(b"other", 9, entries, range(20))


# --- confirm or lapse ----------------------------------------------------------------------------

def test_an_unconfirmed_win_lapses_and_the_slot_goes_first_come(db: DB) -> None:
    opened = open_round(db, date(2027, 11, 1))
    all_slots = db(lambda conn: lottery.round_slots(conn, opened["id"]))
    won_slot, leftover = all_slots[0], all_slots[1]
    winner, latecomer = citizen(db, "slow-winner"), citizen(db, "latecomer")
    request = BookingIn(room_id=won_slot["room_id"], start=won_slot["start"],
                        end=won_slot["end"])
    with pytest.raises(ConflictError) as before_draw:
        db(lambda conn: booking.book(conn, latecomer.user_id, request))
    assert before_draw.value.slug == "lottery-month"
    enter(db, opened["id"], winner, [won_slot["id"]])
    run_draw(db, opened)
    db(notify.announce_lottery_results)  # what the server's sender does after the commit
    won = db(lambda conn: booking.user_bookings(conn, winner.user_id))[0]
    assert (won["status"], won["confirm_by"]) == ("won", opened["confirm_by"])
    with pytest.raises(ConflictError) as taken:
        db(lambda conn: booking.book(conn, latecomer.user_id, request))
    assert taken.value.slug == "slot-taken"
    leftover_request = BookingIn(room_id=leftover["room_id"], start=leftover["start"],
                                 end=leftover["end"])
    assert db(lambda conn: booking.book(conn, latecomer.user_id, leftover_request))["id"]
    deadline = datetime.fromisoformat(opened["confirm_by"])
    with pytest.raises(ConflictError):
        db(lambda conn: lottery.confirm(conn, winner.user_id, won["id"],
                                        now=deadline + timedelta(seconds=1)))
    assert db(lambda conn: lottery.lapse_unconfirmed(conn, deadline + timedelta(seconds=1))) >= 1
    assert db(lambda conn: booking.find_booking(conn, won["id"], None))["status"] == "lapsed"
    assert db(lambda conn: booking.book(conn, latecomer.user_id, request))["source"] == \
        "first_come"
    kinds = db(lambda conn: conn.fetch("SELECT kind FROM notification_outbox WHERE user_id = $1 "
                                       "ORDER BY id", winner.user_id))
    assert [k["kind"] for k in kinds] == ["applied", "won", "lapsed"]


# --- the whole cycle over HTTP -------------------------------------------------------------------

def test_the_cycle_over_http(live: LiveServer, db: DB, mail: tuple[Mailbox, int]) -> None:
    staff = db(lambda conn: make_person(conn, "lottery-staff", roles=(Role.FACILITY_STAFF,)))
    people = [citizen(db, f"h{n}") for n in range(3)]
    closes = datetime.now(UTC) + timedelta(seconds=3)
    with staff.client(live.url) as client:
        created = client.post("/lottery/rounds", json={"closes_at": closes.isoformat()})
        assert created.status_code == 201, created.text
        opened = created.json()
        slots = client.get(f"/lottery/rounds/{opened['id']}/slots").json()["slots"]
    for person in people:
        with person.client(live.url) as client:
            entered = client.post(f"/lottery/rounds/{opened['id']}/entries",
                                  json={"choices": [slots[0]["id"], slots[1]["id"]]})
            assert entered.status_code == 201, entered.text
            assert client.get("/me/lottery/entries").json()["entries"][0]["outcome"] == "pending"
    time.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()) + 0.2)
    with staff.client(live.url) as client:
        assert client.post(f"/lottery/rounds/{opened['id']}/draw").json()["winners"] == 2
        assert client.get(f"/lottery/rounds/{opened['id']}/results").json()["round"]["seed"] \
            is None
        assert client.post(f"/lottery/rounds/{opened['id']}/reveal").json()["seed"]
    checked = subprocess.run(
        [sys.executable, "-m", "cli.main", "lottery", "verify", str(opened["id"]), "--url",
         live.url], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    _winners_confirm_and_everyone_is_told(live, people, mail[0])


def _winners_confirm_and_everyone_is_told(live: LiveServer, people: list[Person],
                                          mailbox: Mailbox) -> None:
    outcomes = Counter()
    for person in people:
        with person.client(live.url) as client:
            entry = client.get("/me/lottery/entries").json()["entries"][0]
            outcomes[entry["outcome"]] += 1
            if entry["outcome"] == "won":
                confirmed = client.post(f"/bookings/{entry['booking_id']}/confirm")
                assert confirmed.json()["status"] == "confirmed"
        subjects = [m.subject for m in mailbox.wait_for(person.email, 2)]
        assert "抽選の申込みを受け付けました" in subjects[0]
        assert subjects[1].endswith("抽選結果のお知らせ（当選）" if entry["outcome"] == "won"
                                    else "抽選結果のお知らせ（落選）")
    assert outcomes == {"won": 2, "lost": 1}


entry_lists = st.lists(
    st.tuples(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True),
              st.integers(0, 6)),
    max_size=40)


@given(entries=entry_lists, seed=st.binary(min_size=1, max_size=32),
       available=st.sets(st.integers(1, 12)))
@settings(max_examples=200, deadline=None)
def test_draw_invariants(entries: list, seed: bytes, available: set[int]) -> None:
    """Whatever the entries: a slot has at most one winner, an entry wins at most once, only
    an available slot among its choices, and no free slot is left that a loser ranked."""
    pool = [draw.Entry(f"E{n:03d}", tuple(choices), losses)
            for n, (choices, losses) in enumerate(entries)]
    wins = draw.draw(seed, 3, pool, available)
    by_entry = {e.id: e for e in pool}
    assert len({w.slot for w in wins}) == len(wins) == len({w.entry for w in wins})
    for win in wins:
        assert win.slot in available and by_entry[win.entry].choices[win.rank - 1] == win.slot
    taken = {w.slot for w in wins}
    losers = [e for e in pool if e.id not in {w.entry for w in wins}]
    assert not any(set(e.choices) & (available - taken) for e in losers)
    assert wins == draw.draw(seed, 3, list(reversed(pool)), available)


@given(st.text(alphabet="中央南街三丁目一二３4-番地号の　 ", min_size=1, max_size=20))
def test_household_keys_ignore_width_and_spaces(address: str) -> None:
    from layers.facilities.households import household_key

    spaced = " ".join(address) + "　"
    wide = address.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert household_key(address) == household_key(spaced) == household_key(wide)
