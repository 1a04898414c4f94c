"""Bind parameters for asyncpg statements built in pieces."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Params:
    """Collects positional parameters ($1, $2, …) for asyncpg."""

    values: list[object] = field(default_factory=list)

    def add(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"
