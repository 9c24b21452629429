"""Large tables kept by the worker process that extracted them, and validated there.

A 15,000-employee year of attendance, activities and feedback is millions of rows of text. Extracting
each in a worker process (tasks/extract.py) and pickling the rows back to the run's process cost a
copy each way, left the run's process holding the text (its arenas stay mapped long after), and left
validation, the next step, on one of the two cores. Instead the worker keeps its frame and sends back
a `HeldRows`: the table's name, columns and row count, bound to that worker. Validation
(kinerja.validation.validate) then asks each worker for its table's verdict, given the keys of the
referenced tables the run's process has validated: the workers validate in parallel while the run's
process validates the small tables, and what comes back is the typed rows and the quarantine. A worker
drops its raw rows once it has judged them (asked again, with other keys, it reads them again and checks
they are the rows it fingerprinted), and exits once it has sent its verdict, or when its rows are
released unvalidated (an unchanged run).

Only a process that spawns the worker binds it; the functions below that run in the worker are
top-level and free of Prefect, so a spawned worker starts fast.
"""
from __future__ import annotations

import multiprocessing
import threading
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from kinerja import memory
from kinerja.extract import ExtractedTable, extract_and_fingerprint
from kinerja.fingerprint import RowDigests
from kinerja.periods import Period

_rows: dict[str, pd.DataFrame] = {}  # in a worker: the table it extracted, until it is validated
_read: dict[str, tuple] = {}  # in a worker: how the table was read, and its digests (to read it again)


class SourceChanged(RuntimeError):
    """A table read again during a run (validation asked twice) no longer holds the rows first read."""


@dataclass
class HeldRows:
    """A table's extracted rows, kept by the worker process that read them."""

    table: str
    columns: tuple[str, ...]
    length: int
    _worker: ProcessPoolExecutor | None = field(default=None, repr=False, compare=False)
    _finalizer: weakref.finalize | None = field(default=None, repr=False, compare=False)
    _validations: dict = field(default_factory=dict, repr=False, compare=False)  # (refs, unused) -> Future
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __len__(self) -> int:
        return self.length

    def __getstate__(self):  # what a worker sends: no worker, lock or futures
        return {"table": self.table, "columns": self.columns, "length": self.length}

    def __setstate__(self, state) -> None:
        self.__init__(**state)

    def bind(self, worker: ProcessPoolExecutor) -> "HeldRows":
        """Tie the rows to their worker; the worker is shut down with `release` or when this is dropped."""
        self._worker = worker
        self._finalizer = weakref.finalize(self, _shut_down, worker, self._validations)
        return self

    def validate(self, refs, policy, cache, rows_digests: RowDigests | None,
                 unused: tuple[str, ...] = ()) -> "Future[HeldVerdict]":
        """Validate the rows in their worker (`validate_held`); the future's result is a HeldVerdict.
        `unused` columns are left out of the used rows sent back.

        Asked again with the same referenced keys, it returns the validation already started: the run
        starts it as soon as those keys are known (tasks/validate.py), and validation takes it up.
        `cache` must be one the worker can share by pickling (a VerdictCache: files), or None."""
        from kinerja.validation.core import fingerprint_refs

        if self._worker is None:
            raise RuntimeError(f"the rows of {self.table} are not bound to a worker")
        asked = (fingerprint_refs(self.table, refs), tuple(unused))
        with self._lock:
            if asked not in self._validations:
                self._validations[asked] = self._worker.submit(validate_held, self.table, refs, policy, cache,
                                                               rows_digests, tuple(unused))
            return self._validations[asked]

    def release(self) -> None:
        """Let the worker go (it drops the rows and exits); idempotent."""
        if self._finalizer is not None:
            self._finalizer()


@dataclass
class HeldVerdict:
    """What a worker sends back: the table's verdict, its cache counts and, for attendance, the NIPs
    seen per month (a table check needs them; they come from every extracted row, not only the used
    ones)."""

    verdict: object  # kinerja.validation.core.TableVerdict
    hits: int = 0
    misses: int = 0
    nips_by_month: dict[str, pd.Index] | None = None


def _shut_down(worker: ProcessPoolExecutor, validations: dict) -> None:
    """Let an idle worker exit; stop one still validating (a run found unchanged does not wait for it)."""
    running = [f for f in validations.values() if not f.done()]
    processes = list((getattr(worker, "_processes", None) or {}).values())  # the executor's own, 3.8-3.13
    worker.shutdown(wait=False, cancel_futures=True)
    if running:
        for process in processes:
            process.kill()


def start_worker() -> ProcessPoolExecutor:
    """A worker process of its own for one table (spawned: the parent runs threads)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def extract_and_hold(source_url: str, table: str, period: Period, cutoff: date | None) -> ExtractedTable:
    """In a worker: extract and fingerprint `table` (kinerja.extract), keep the rows, return a HeldRows
    in their place (a missing table is returned as is). The worker opens the source through nothing
    else, so a large table of an SQLite file is read through Arrow (kinerja.extract)."""
    extracted = extract_and_fingerprint(source_url, table, period, cutoff, arrow=True)
    memory.release()  # the read's garbage (Arrow buffers, row hashes): about half the worker's heap
    if not isinstance(extracted.rows, pd.DataFrame):
        return extracted
    _rows[table] = extracted.rows
    _read[table] = (source_url, period, cutoff, extracted.row_digests)
    return replace(extracted, rows=HeldRows(table, tuple(extracted.rows.columns), len(extracted.rows)))


def validate_held(table: str, refs, policy, cache, rows_digests: RowDigests | None,
                  unused: tuple[str, ...] = ()) -> HeldVerdict:
    """In a worker: validate the table it holds, as validation does in-process."""
    from kinerja.validation.table_checks import nips_by_month
    from kinerja.validation.validate import validate_rows

    if table not in _rows:  # asked again, with other keys: the rows went with the first validation
        _rows[table] = _read_again(table)
    months = nips_by_month(_rows[table]) if table == "attendance" and len(_rows[table]) else None
    counted = getattr(cache, "hits", 0), getattr(cache, "misses", 0)  # the run's counts when it was sent
    # The worker's only reference to the raw rows goes to validate_rows, which lets go of each partition's
    # rows once they are judged (and reads the table again in the rare case it must judge some again): the
    # text is freed before the verdicts pile up and are combined and pickled, instead of staying beside
    # them (about 0.4-0.5 GiB of a year of activities or feedback).
    verdict = validate_rows(table, _rows.pop(table), refs, policy, cache, rows_digests, tuple(unused),
                            reread=lambda: _read_again(table))
    memory.release()  # the partitions' copies, before the verdict is pickled
    return HeldVerdict(verdict, getattr(cache, "hits", 0) - counted[0], getattr(cache, "misses", 0) - counted[1],
                       months)


def _read_again(table: str) -> pd.DataFrame:
    """The table read again as it was first read: validation asked for a second verdict (which happens
    only when the keys it references changed between the early start and validation), or ids cross its
    partitions, so that partitions already let go must be judged again. SourceChanged when the rows
    differ from those the run fingerprinted: the run fails rather than judge other rows."""
    source_url, period, cutoff, digests = _read[table]
    again = extract_and_fingerprint(source_url, table, period, cutoff, arrow=True)
    if not isinstance(again.rows, pd.DataFrame) or again.row_digests != digests:
        raise SourceChanged(f"source table {table} changed while this run read it; run it again")
    return again.rows


def release(raw) -> None:
    """Release every HeldRows among `raw`'s values (a run that stops before validating them)."""
    for rows in raw.values():
        if isinstance(rows, HeldRows):
            rows.release()
