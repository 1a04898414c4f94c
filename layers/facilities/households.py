"""Citizens' addresses and households (世帯). A household is everyone whose verified address
normalises to the same text; its key is a hash of that text, so the lottery can dedupe entries
without comparing addresses. Changing the address withdraws the verification."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import asyncpg

from gis_core.errors import NotFoundError
from layers.facilities.ledger import iso

KANJI_DIGITS = {c: str(n) for n, c in enumerate("〇一二三四五六七八九")}
PREFIXES = ("東京都", "東大和市")


def _kanji_number(text: str) -> str:
    """一 … 九十九 → 1 … 99 (丁目 numbers)."""
    if "十" not in text:
        return "".join(KANJI_DIGITS.get(c, c) for c in text)
    tens, _, ones = text.partition("十")
    return str(int(KANJI_DIGITS.get(tens, "1") if tens else "1") * 10
               + int(KANJI_DIGITS.get(ones, "0") if ones else "0"))


def normalise_address(address: str) -> str:
    """「東京都東大和市 中央三丁目１番地２号」 and 「中央3-1-2」 → 「中央3-1-2」."""
    text = unicodedata.normalize("NFKC", address)
    text = re.sub(r"\s+", "", text)
    for prefix in PREFIXES:
        text = text.removeprefix(prefix)
    text = re.sub(r"([〇一二三四五六七八九十]+)丁目", lambda m: _kanji_number(m[1]) + "-", text)
    text = re.sub(r"丁目|番地|番|号|の", "-", text)
    text = re.sub(r"[‐‑‒–—―−ーｰ-]+", "-", text)
    return text.strip("-").lower()


def household_key(address: str) -> str:
    return hashlib.sha256(normalise_address(address).encode()).hexdigest()[:32]


async def set_address(conn: asyncpg.Connection, user_id: int, address: str) -> dict[str, Any]:
    key = household_key(address)
    await conn.execute(
        "INSERT INTO citizen_profile (user_id, address, household_key) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id) DO UPDATE SET address = EXCLUDED.address, "
        "household_key = EXCLUDED.household_key, updated_at = now(), "
        "verified = citizen_profile.verified "
        "AND citizen_profile.household_key = EXCLUDED.household_key, "
        "verified_at = CASE WHEN citizen_profile.household_key = EXCLUDED.household_key "
        "THEN citizen_profile.verified_at END",
        user_id, address, key)
    return await profile(conn, user_id)


async def verify(conn: asyncpg.Connection, user_id: int, by_user_id: int | None) -> dict[str, Any]:
    """Staff confirm the address (本人確認, e.g. at a service counter)."""
    done = await conn.fetchval(
        "UPDATE citizen_profile SET verified = true, verified_at = now(), verified_by = $2 "
        "WHERE user_id = $1 RETURNING user_id", user_id, by_user_id)
    if done is None:
        raise NotFoundError(f"user {user_id} has given no address", "userId")
    return await profile(conn, user_id)


async def profile(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT address, verified, verified_at, updated_at FROM citizen_profile "
        "WHERE user_id = $1", user_id)
    if row is None:
        return {"address": None, "verified": False, "verified_at": None, "updated_at": None}
    return {"address": row["address"], "verified": row["verified"],
            "verified_at": iso(row["verified_at"]), "updated_at": iso(row["updated_at"])}


async def pending(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Citizens whose address awaits verification (本人確認), oldest first."""
    rows = await conn.fetch(
        "SELECT p.user_id, u.username, u.display_name, p.address, p.updated_at "
        "FROM citizen_profile p JOIN app_user u ON u.id = p.user_id "
        "WHERE NOT p.verified ORDER BY p.updated_at, p.user_id")
    return [{"user_id": r["user_id"], "username": r["username"],
             "display_name": r["display_name"], "address": r["address"],
             "since": iso(r["updated_at"])} for r in rows]
