"""A persistent cache of validation verdicts, keyed by content (core.cache_key).

A key names the suite version, a fingerprint of the partition's raw rows and a fingerprint of the
referenced keys (valid NIPs, units, indicators), so an entry can never be stale: changed rows, a changed
`employees` row that cascades, or a changed suite give another key. The year's monthly runs thus
validate each month of attendance once; a re-run after a correction re-validates only the partitions
whose rows (or references) changed.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from kinerja.validation.core import TableVerdict


class VerdictCache(MutableMapping[str, TableVerdict]):
    """Verdicts pickled one file per key under `directory` (written atomically)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.pkl"

    def __contains__(self, key: object) -> bool:
        found = isinstance(key, str) and self._path(key).exists()
        if found:
            self.hits += 1
        else:
            self.misses += 1
        return found

    def __getitem__(self, key: str) -> TableVerdict:
        try:
            with open(self._path(key), "rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            raise KeyError(key) from exc

    def __setitem__(self, key: str, verdict: TableVerdict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(verdict, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self._path(key))

    def __delitem__(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[str]:  # keys are not recoverable from file names
        return iter(())

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*.pkl")) if self.directory.exists() else 0
