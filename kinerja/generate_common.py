"""Shared pieces of the demo-city generator: column-wise tables, the bad-row manifest, random streams."""
from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

import numpy as np

MANIFEST_TABLE = "generator_bad_rows"


@dataclass
class Table:
    """One source table as one Python list per column (cheap to zip into rows for bulk_insert)."""

    name: str
    columns: tuple[str, ...]
    data: list[list[Any]]

    def __len__(self) -> int:
        return len(self.data[0]) if self.data else 0

    def rows(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self.data)


@dataclass
class Manifest:
    """Every injected bad row: (source_table, row_key, kind); row_key as validation.md builds it."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, table: str, keys: Any, kind: str) -> None:
        self.rows.extend((table, str(k), kind) for k in keys)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (table, kind), n in sorted(Counter((t, k) for t, _, k in self.rows).items()):
            out.setdefault(table, {})[kind] = n
        return out


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent random stream per part of the city, so one part never shifts another."""
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode())])


def scaled(n_rows: int, rate: float, minimum: int = 1) -> int:
    """How many bad rows of one kind to inject into a table of n_rows."""
    return max(minimum, int(round(n_rows * rate)))


@lru_cache(maxsize=1)
def _time_texts() -> np.ndarray:
    texts = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
    return np.array(texts + [None], dtype=object)


def time_text(seconds: np.ndarray) -> np.ndarray:
    """'HH:MM:SS' per second of the day (object array); negative seconds give None."""
    seconds = np.asarray(seconds)
    return _time_texts()[np.where(seconds < 0, 86400, np.clip(seconds, 0, 86399))]


def pick(rng: np.random.Generator, options: tuple[Any, ...] | list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]
