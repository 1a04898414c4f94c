"""The lottery draw (抽選), as a pure function anyone can re-run, and its verification.

Algorithm ``citygis-lottery-v1``:

1. Each entry (申込) has ranked choices of slots (第1希望, 第2希望, …) and a weight from its
   household's recent luck: ``weight = 1 + LOSER_BONUS × min(prior_losses, LOSER_CAP)``, where
   ``prior_losses`` counts the household's consecutive lost rounds just before this one (a
   household that has entered and won nothing in its last 2 rounds has weight 2.0; the cap makes
   weights 1.0, 1.5, 2.0, 2.5 and at most 3.0).
2. Each choice gets a number ``u`` uniform in (0, 1) from the revealed seed:
   ``HMAC-SHA256(key = seed, message = "{round_id}:{entry_id}:{rank}")``, first 8 bytes as a
   big-endian integer, top 53 bits, ``u = (bits + 0.5) / 2**53``; its draw key is
   ``-ln(u) / weight`` (an exponential race: between two entries of weights w1 and w2 on one slot
   the first wins with probability w1 / (w1 + w2)). Lower keys win; ties go to the lower entry id.
3. Rounds by rank: in round r every free slot goes to the lowest key among the entries, not yet
   winning, whose r-th choice it is. An entry wins at most one slot. Slots unavailable at the
   draw (already taken, e.g. by a suspension) go to no one.

The seed's SHA-256 is published when the round opens (before any entry can see it) and the
seed after the draw; the entries, their choices and prior losses are published with anonymous
ids, so anyone can check the commitment and recompute the winners (``citygis lottery verify``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

ALGORITHM = "citygis-lottery-v1"
LOSER_BONUS = 0.5
LOSER_CAP = 4
TWO_53 = float(2**53)


@dataclass(frozen=True)
class Entry:
    id: str  # the anonymous public id
    choices: tuple[int, ...]  # slot ids, first choice first
    prior_losses: int = 0


@dataclass(frozen=True, order=True)
class Win:
    slot: int
    entry: str
    rank: int


def weight(prior_losses: int) -> float:
    return 1.0 + LOSER_BONUS * min(prior_losses, LOSER_CAP)


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def uniform(seed: bytes, round_id: int, entry_id: str, rank: int) -> float:
    digest = hmac.digest(seed, f"{round_id}:{entry_id}:{rank}".encode(), "sha256")
    return ((int.from_bytes(digest[:8], "big") >> 11) + 0.5) / TWO_53


def draw_key(seed: bytes, round_id: int, entry: Entry, rank: int) -> float:
    return -math.log(uniform(seed, round_id, entry.id, rank)) / weight(entry.prior_losses)


def draw(seed: bytes, round_id: int, entries: Iterable[Entry],
         available: Iterable[int]) -> list[Win]:
    """The winners, one per slot at most and one slot per entry at most, by slot id."""
    pending = list(entries)
    free = set(available)
    wins: list[Win] = []
    rank = 1
    while pending and free:
        best: dict[int, tuple[float, str]] = {}
        for entry in pending:
            if len(entry.choices) < rank or entry.choices[rank - 1] not in free:
                continue
            slot = entry.choices[rank - 1]
            key = (draw_key(seed, round_id, entry, rank), entry.id)
            if slot not in best or key < best[slot]:
                best[slot] = key
        winners = {entry_id: slot for slot, (_key, entry_id) in best.items()}
        wins += [Win(slot, entry_id, rank) for entry_id, slot in winners.items()]
        free -= set(winners.values())
        pending = [e for e in pending if e.id not in winners and len(e.choices) > rank]
        rank += 1
    return sorted(wins)


def entries_digest(entries: Iterable[Entry]) -> str:
    """SHA-256 of the published entries in a canonical form (sorted by id, compact JSON)."""
    canonical = [[e.id, list(e.choices), e.prior_losses] for e in sorted(entries,
                                                                      key=lambda e: e.id)]
    return hashlib.sha256(orjson.dumps(canonical)).hexdigest()


def entries_of(document: dict[str, Any]) -> list[Entry]:
    return [Entry(e["entry"], tuple(e["choices"]), e["prior_losses"])
            for e in document["entries"]]


def verify(document: dict[str, Any]) -> list[str]:
    """What does not hold in a published result (``lottery.published``); empty when the
    commitment, the entries and every winner check out."""
    found: list[str] = []
    round_doc = document["round"]
    if round_doc.get("algorithm") != ALGORITHM:
        return [f"unknown algorithm {round_doc.get('algorithm')!r}"]
    if not round_doc.get("seed"):
        return ["the seed is not revealed yet"]
    seed = bytes.fromhex(round_doc["seed"])
    if commitment(seed) != round_doc["seed_commitment"]:
        found.append("SHA-256 of the revealed seed differs from the published commitment")
    entries = entries_of(document)
    if entries_digest(entries) != round_doc.get("entries_digest"):
        found.append("the entries differ from those the draw recorded (entries_digest)")
    available = [s["id"] for s in document["slots"] if s["available"]]
    expected = draw(seed, round_doc["id"], entries, available)
    published = sorted(Win(w["slot"], w["entry"], w["rank"]) for w in document["results"])
    if expected != published:
        found += _differences(expected, published)
    return found


def _differences(expected: list[Win], published: list[Win]) -> list[str]:
    want, got = set(expected), set(published)
    lines = [f"slot {w.slot}: the draw gives entry {w.entry} (choice {w.rank}), "
             "not published" for w in sorted(want - got)]
    lines += [f"slot {w.slot}: published entry {w.entry} (choice {w.rank}) is not what the "
              "draw gives" for w in sorted(got - want)]
    return lines
