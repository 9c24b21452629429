"""Large tables kept and validated by the worker processes that extracted them (kinerja.held)."""
from __future__ import annotations

import multiprocessing
import time
from datetime import date
from pathlib import Path

import pandas as pd

from kinerja import held
from kinerja.extract import FLOW_TABLES, extract_and_fingerprint
from kinerja.methodology import UNSCORED_COLUMNS
from kinerja.periods import Period
from kinerja.policy import load_policy
from kinerja.validation import validate
from kinerja.validation.cache import VerdictCache
from kinerja.validation.validate import reference_keys, start_validation
from tests.city import YEAR

POLICY = load_policy()
HELD = ("attendance", "activities", "feedback")


def _extract(url: str, period: Period, cutoff: date, in_workers: tuple[str, ...] = ()):
    """Every table of an annual run, those of `in_workers` extracted and kept by worker processes."""
    out = {}
    for table in FLOW_TABLES["annual"]:
        if table in in_workers:
            worker = held.start_worker()
            out[table] = worker.submit(held.extract_and_hold, url, table, period, cutoff).result()
            out[table].rows.bind(worker)
        else:
            out[table] = extract_and_fingerprint(url, table, period, cutoff)
    return out


def _children_gone(before: set[int], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not {p.pid for p in multiprocessing.active_children()} - before:
            return True
        time.sleep(0.1)
    return False


def test_tables_validated_in_their_workers_give_the_same_result_as_in_this_process(city, tmp_path):
    """The generated city holds every kind of bad row; validated in workers or here, the used rows, the
    quarantine, the data-quality account, the unknown days and the findings are the same, the workers
    share the same verdict cache, and they exit once they have sent their verdicts."""
    url, period, cutoff = city.copy(), Period("year", YEAR, 1), date(YEAR, 12, 31)
    here = _extract(url, period, cutoff)
    before = {p.pid for p in multiprocessing.active_children()}
    there = _extract(url, period, cutoff, HELD)
    assert all(isinstance(there[t].rows, held.HeldRows) for t in HELD)
    assert [len(there[t].rows) for t in HELD] == [len(here[t].rows) for t in HELD]

    results, caches = [], []
    for extracted in (here, there):
        cache = VerdictCache(tmp_path / f"cache{len(caches)}")
        if extracted is there:  # as a run does: the workers start once the referenced keys are known
            refs = reference_keys({t: e.rows for t, e in there.items()}, POLICY, cache,
                                  {t: e.row_digests for t, e in there.items()})
            for table in HELD:
                start_validation(there[table].rows, refs, POLICY, cache, there[table].row_digests,
                                 UNSCORED_COLUMNS.get(table, ()))
        results.append(validate({t: e.rows for t, e in extracted.items()}, "annual", POLICY, period, cutoff,
                                cache=cache, row_digests={t: e.row_digests for t, e in extracted.items()},
                                unused=UNSCORED_COLUMNS))
        caches.append(cache)
    a, b = results
    assert len(a.quarantine) and a.findings  # the city's bad rows were found
    for table in a.used:
        pd.testing.assert_frame_equal(a.used[table], b.used[table])
    assert "activity_id" not in b.used["activities"] and "feedback_id" not in b.used["feedback"]
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    pd.testing.assert_frame_equal(a.data_quality, b.data_quality)
    pd.testing.assert_frame_equal(a.unknown_days, b.unknown_days)
    assert a.findings == b.findings and a.blocked == b.blocked
    assert all(len(there[t].rows._validations) == 1 for t in HELD)  # validation took up the started ones
    assert caches[1].misses == caches[0].misses > 0  # every partition validated once
    assert len(caches[1]) == len(caches[0])  # the workers stored their verdicts where this process looks
    assert _children_gone(before)


def test_rows_released_unvalidated_let_their_worker_go(city):
    """An unchanged run never validates: releasing the rows ends the worker (twice is harmless)."""
    url = city.copy()
    before = {p.pid for p in multiprocessing.active_children()}
    worker = held.start_worker()
    extracted = worker.submit(held.extract_and_hold, url, "attendance", Period.month(YEAR, 3),
                              date(YEAR, 3, 31)).result()
    extracted.rows.bind(worker)
    assert len(extracted.rows) > 0 and {p.pid for p in multiprocessing.active_children()} - before
    held.release({"attendance": extracted.rows})
    extracted.rows.release()
    assert _children_gone(before)


STOPPED_MID_VALIDATION = """
import sys, time
from datetime import date
from kinerja import held
from kinerja.periods import Period
from kinerja.policy import load_policy

if __name__ == "__main__":
    worker = held.start_worker()
    rows = worker.submit(held.extract_and_hold, sys.argv[1], "attendance", Period("year", int(sys.argv[2]), 1),
                         date(int(sys.argv[2]), 12, 31)).result().rows.bind(worker)
    validating = rows.validate({"employees": []}, load_policy(), None, None)
    time.sleep(0.5)
    assert not validating.done()  # importing Great Expectations alone takes seconds
    rows.release()
    print("released:", type(validating.exception(timeout=60)).__name__)
"""


def test_a_run_that_stops_while_a_worker_validates_exits_at_once(city, tmp_path):
    """An unchanged run lets go of workers that may still be validating: they are stopped, and the
    run's process exits without waiting for them (nor hanging in the executor's exit handler)."""
    import subprocess
    import sys

    script = tmp_path / "stop.py"
    script.write_text(STOPPED_MID_VALIDATION)
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script), city.copy(), str(YEAR)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    # Killed, not waited for: the validation ends with the worker's death, not with a verdict.
    assert done.returncode == 0 and "released: BrokenProcessPool" in done.stdout, done.stderr[-2000:]
    assert time.monotonic() - started < 60


def test_a_worker_asked_again_reads_its_rows_again_and_refuses_changed_ones(city, tmp_path):
    """A worker drops its raw rows once it has judged them. Asked again with other keys (the referenced
    keys changed after the early start) it reads the table again and gives the verdict validation gives
    here for those keys; if the source changed meanwhile, it refuses (SourceChanged) instead of judging
    rows the run did not fingerprint."""
    import sqlalchemy as sa

    from kinerja import db
    from kinerja.validation.validate import validate_rows

    url, period, cutoff = city.copy(), Period.month(YEAR, 3), date(YEAR, 3, 31)
    here = extract_and_fingerprint(url, "attendance", period, cutoff)
    nips = pd.Index(sorted(set(here.rows["nip"].dropna())), dtype=object)
    refs_all, refs_half = {"employees": nips}, {"employees": nips[::2]}
    worker = held.start_worker()
    extracted = worker.submit(held.extract_and_hold, url, "attendance", period, cutoff).result()
    rows = extracted.rows.bind(worker)
    cache = VerdictCache(tmp_path / "cache")
    first = rows.validate(refs_all, POLICY, cache, extracted.row_digests).result().verdict
    again = rows.validate(refs_half, POLICY, cache, extracted.row_digests).result().verdict
    for verdict, refs in [(first, refs_all), (again, refs_half)]:
        own_cache = VerdictCache(tmp_path / f"here{len(refs['employees'])}")
        expected = validate_rows("attendance", here.rows, refs, POLICY, own_cache, here.row_digests)
        pd.testing.assert_frame_equal(verdict.used, expected.used)
        pd.testing.assert_frame_equal(verdict.quarantine, expected.quarantine)
    assert len(again.used) < len(first.used)  # the other keys were applied, not the first verdict reused

    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("delete from attendance where nip = :nip and work_date = :day"),
                     {"nip": here.rows["nip"].iloc[0], "day": here.rows["work_date"].iloc[0]})
    engine.dispose()
    changed = rows.validate({"employees": nips[1::2]}, POLICY, cache, extracted.row_digests)
    assert isinstance(changed.exception(timeout=120), held.SourceChanged)
    rows.release()
