"""Extraction: the run's window, every column as text, chunked reads, missing tables (seam 1)."""
import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.extract import _ARROW_BATCH as _DEFAULT_ARROW_BATCH
from kinerja.extract import SOURCE_COLUMNS, MissingTable, extract_table, extract_tables
from kinerja.periods import Period

ATTENDANCE = ["nip", "work_date", "check_in", "check_out", "status"]
NIP = "198001012005011002"


def _source(url):
    engine = db.get_engine(url)
    db.create_schema(engine, "source")
    return engine


def _insert(engine, table, rows, columns=None):
    with engine.begin() as conn:
        db.bulk_insert(conn, table, columns or list(SOURCE_COLUMNS[table]), rows)


def _texts(frame):
    return {type(v) for col in frame.columns for v in frame[col].tolist()}


def test_attendance_window_is_january_first_to_period_end(db_url):
    engine = _source(db_url)
    days = ["2025-12-31", "2026-01-02", "2026-02-27", "2026-03-31", "2026-04-01"]
    _insert(engine, "attendance", [(NIP, d, "07:30:00", "16:00:00", "HD") for d in days])
    raw = extract_table(engine, "attendance", Period.month(2026, 3), date(2026, 3, 31))
    assert sorted(raw["work_date"]) == ["2026-01-02", "2026-02-27", "2026-03-31"]
    assert list(raw.columns) == ATTENDANCE
    assert raw.loc[0, "check_in"] == "07:30:00" and _texts(raw) <= {str, type(None)}


def test_activities_and_survey_are_the_period_only(db_url):
    engine = _source(db_url)
    _insert(engine, "activities", [(f"A{i}", NIP, d, "IND1", 1, None, "approved", None)
                                   for i, d in enumerate(["2026-03-31", "2026-04-01", "2026-06-30", "2026-07-01"])])
    _insert(engine, "survey_responses", [("R1", "DISHUB", "izin", "2026-04-02", *[4] * 9),
                                         ("R2", "DISHUB", "izin", "2026-03-02", *[4] * 9)])
    q2 = Period.quarter(2026, 2)
    assert sorted(extract_table(engine, "activities", q2, None)["activity_id"]) == ["A1", "A2"]
    assert extract_table(engine, "survey_responses", q2, None)["response_id"].tolist() == ["R1"]


def test_targets_of_the_year_and_feedback_of_the_quarters(db_url):
    engine = _source(db_url)
    _insert(engine, "targets", [(NIP, "IND1", y, q, 10, 50) for y, q in [(2025, 4), (2026, 1), (2026, 4)]])
    _insert(engine, "feedback", [(f"F{y}{q}", NIP, NIP, "self", y, q, "loyal", 4, None, "2026-01-05 10:00:00")
                                 for y, q in [(2025, 4), (2026, 1), (2026, 2), (2026, 3), (2026, 9)]])
    q2 = Period.quarter(2026, 2)
    targets = extract_table(engine, "targets", q2, None)
    assert sorted(zip(targets["year"], targets["quarter"])) == [("2026", "1"), ("2026", "4")]
    assert targets.loc[0, "target"] in ("10", "10.0")  # numbers come back as text
    assert sorted(extract_table(engine, "feedback", q2, None)["feedback_id"]) == ["F20262", "F20269"]
    year = extract_table(engine, "feedback", Period.of_year(2026), None)
    assert sorted(year["feedback_id"]) == ["F20261", "F20262", "F20263", "F20269"]
    assert year.loc[year["feedback_id"] == "F20261", "submitted_at"].item() == "2026-01-05 10:00:00"


def test_rows_are_read_in_chunks_with_the_same_result(db_url):
    engine = _source(db_url)
    _insert(engine, "attendance", [(NIP, f"2026-01-{d:02d}", None, None, "TK") for d in range(1, 8)])
    whole = extract_table(engine, "attendance", Period.month(2026, 1), None)
    chunked = extract_table(engine, "attendance", Period.month(2026, 1), None, chunk_rows=2)
    assert len(whole) == 7 and whole.sort_values("work_date").reset_index(drop=True).equals(
        chunked.sort_values("work_date").reset_index(drop=True))
    assert chunked["check_in"].isna().all() and chunked["check_in"].tolist()[0] is None


def test_missing_table_and_missing_column_raise(db_url):
    engine = _source(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("drop table attendance"))
        conn.execute(sa.text("drop table employees"))
        conn.execute(sa.text("create table employees (nip text, name text, employment_type text, grade text, "
                             "active_from date)"))
    with pytest.raises(MissingTable) as exc:
        extract_table(engine, "attendance", Period.month(2026, 1), None)
    assert exc.value.whole_table
    with pytest.raises(MissingTable) as exc:
        extract_table(engine, "employees", Period.month(2026, 1), None)
    assert exc.value.missing_columns == ("active_to",) and not exc.value.whole_table


def test_optional_tables_may_be_absent(db_url):
    engine = _source(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("drop table work_schedules"))
        conn.execute(sa.text("drop table survey_responses"))
    raw = extract_tables(engine, "monthly", Period.month(2026, 1), None)
    assert set(raw) == {"units", "employees", "assignments", "holidays", "work_schedules", "attendance",
                        "survey_responses"}
    assert list(raw["work_schedules"].columns) == list(SOURCE_COLUMNS["work_schedules"])
    assert len(raw["survey_responses"]) == 0
    quarterly = extract_tables(engine, "quarterly", Period.quarter(2026, 1), None)
    assert {"indicators", "targets", "activities", "feedback"} <= set(quarterly)


def test_sqlite_rows_whose_window_column_is_not_a_date_are_extracted(tmp_path):
    engine = _source(f"sqlite:///{tmp_path}/loose.db")
    _insert(engine, "attendance", [(NIP, d, "25:61", 730, "HD") for d in
                                   ["abc", None, "2026-02-30", 20260105, "2026-1-5", "1850-01-01", "2026-03-02"]])
    _insert(engine, "targets", [(NIP, "IND1", y, 1, "abc", "12") for y in ["abc", None, 2026.5, 2025]])
    _insert(engine, "feedback", [("F1", NIP, NIP, "self", 2025, "x", "loyal", 4, None, None),
                                 ("F2", NIP, NIP, "self", 2025, 2, "loyal", 4, None, None)])
    raw = extract_table(engine, "attendance", Period.month(2026, 1), None)
    assert sorted(raw["work_date"], key=str) == sorted(["abc", None, "2026-02-30", "20260105", "2026-1-5"], key=str)
    assert set(raw["check_out"]) == {"730"} and _texts(raw) <= {str, type(None)}
    targets = extract_table(engine, "targets", Period.quarter(2026, 1), None)
    assert sorted(targets["year"], key=str) == sorted(["abc", None, "2026.5"], key=str)
    assert set(targets["target"]) == {"abc"} and set(targets["weight"]) == {"12.0"}
    assert extract_table(engine, "feedback", Period.quarter(2026, 1), None)["feedback_id"].tolist() == ["F1"]


def test_shared_values_pool_repeats_and_leave_distinct_columns_alone():
    """Repeating values (dates, codes) become one object each; a column of distinct values (ids) is
    returned as it is, and later chunks of it are not pooled at all: the values never change."""
    import numpy as np

    from kinerja.extract import _shared

    pool: dict = {}
    chunk = np.array([f"2026-01-{d % 28 + 1:02d}" for d in range(5000)] + [None], dtype=object)
    shared = _shared(chunk.copy(), pool)
    assert list(shared) == list(chunk)
    assert shared[0] is shared[28]  # one object per distinct value

    ids: dict = {}
    first = np.array([f"ACT-{i}" for i in range(5000)], dtype=object)
    assert _shared(first, ids) is first
    second = np.array(["ACT-1"] * 5000, dtype=object)  # repeats, but the column is known to be ids
    assert _shared(second, ids) is second


def test_row_hashes_are_pandas_hashes_for_repeating_and_unique_columns():
    """Fingerprints recorded by earlier runs stay comparable: text_hashes hashes identifiers value by
    value, but gives the very hashes pandas gives (NULL apart from the text "None")."""
    import numpy as np
    import pandas as pd

    from kinerja.fingerprint import row_hashes, text_hashes

    n = 10_000
    frame = pd.DataFrame({
        "activity_id": np.array([f"A{i}" for i in range(n - 3)] + [None, "None", ""], dtype=object),
        "status": np.array(["approved", "pending", None, "None"] * (n // 4), dtype=object),
        "description": np.array([None if i % 7 == 0 else f"text {i}" for i in range(n)], dtype=object),
    })
    expected = pd.util.hash_pandas_object(frame[sorted(frame.columns)], index=False).to_numpy(dtype=np.uint64)
    assert (row_hashes(frame) == expected).all()
    ids = frame["activity_id"].to_numpy()
    assert (text_hashes(ids) == pd.util.hash_array(ids)).all()
    assert text_hashes(ids)[-3] != text_hashes(ids)[-2]  # NULL is not the text "None"


def test_text_hashes_in_slices_are_the_hashes_of_the_whole(monkeypatch):
    """Identifiers are hashed a slice at a time (memory); slices that split the column, NULLs among
    them, give what one call over the whole column gives."""
    import numpy as np
    import pandas as pd

    from kinerja import fingerprint

    ids = np.array([None if i % 997 == 0 else f"ID-{i:09d}" for i in range(20_000)], dtype=object)
    whole = fingerprint.text_hashes(ids)
    monkeypatch.setattr(fingerprint, "_SLICE", 999)
    sliced = fingerprint.text_hashes(ids)
    assert (sliced == whole).all() and (whole == pd.util.hash_array(ids)).all()


def _arrow_in_worker(url, table, period, batch=None):
    """In a spawned process, as kinerja.held's workers do: the Arrow read (None when it fell back) and
    the whole extraction with its fingerprint; `batch`: rows per Arrow batch instead of the default."""
    from kinerja import extract
    from kinerja.extract import _extract_through_arrow, extract_and_fingerprint

    extract._ARROW_BATCH = batch or _DEFAULT_ARROW_BATCH
    return (_extract_through_arrow(url, table, period),
            extract_and_fingerprint(url, table, period, None, arrow=True))


def _arrow_missing_in_worker(url, table, period):
    """In a spawned process: what the Arrow read raised (MissingTable), and the whole extraction."""
    from kinerja.extract import _extract_through_arrow, extract_and_fingerprint

    try:
        _extract_through_arrow(url, table, period)
    except MissingTable as raised:
        return raised, extract_and_fingerprint(url, table, period, None, arrow=True)
    return None, None


@pytest.fixture(scope="module")
def spawned():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as worker:
        yield worker


def _read_both(spawned, url, table, period, batch=None):
    """`table`'s window read through Arrow in a worker process (checked to be taken), and here through
    sqlite3, and the extraction (with fingerprint) the worker made."""
    arrow, extracted = spawned.submit(_arrow_in_worker, url, table, period, batch).result()
    assert arrow is not None, f"{table} was not read through Arrow"
    return arrow[0], extract_table(db.get_engine(url), table, period, None), extracted


def _same_frames(a, b):
    assert list(a.columns) == list(b.columns) and len(a) == len(b) and a.attrs == b.attrs
    for column in a.columns:
        assert a[column].tolist() == b[column].tolist(), column
        assert a[column].dtype == object and _texts(a[[column]]) <= {str, type(None)}


def test_sqlite_large_tables_read_through_arrow_as_sqlite3_reads_them(tmp_path, spawned):
    """The Arrow reader of the large tables gives exactly the frame sqlite3 gives, for the values
    SQLite's loose typing allows: numbers in text columns (a REAL status), text in number columns,
    NULL for more rows than the driver looks at to type a column, ids and free text, non-ASCII. The
    fingerprint, which hashes a repeating column by its distinct values only, is that of the rows."""
    from kinerja.fingerprint import table_parts

    url = f"sqlite:///{tmp_path}/loose.db"
    engine = _source(url)
    attendance = [(f"1980{d % 40:014d}", f"2026-01-{d % 28 + 1:02d}", None, None, "TK")
                  for d in range(3000)]  # NULL times first
    attendance += [(NIP, d, "07:30", 1630, s) for d, s in
                   [("abc", "HD"), (None, 1e300), ("2026-02-30", 3), (20260105, 2.5), ("2026-01-07", "é"),
                    ("2026-01-08", ""), ("2026-01-09", None)]]
    _insert(engine, "attendance", attendance)
    _insert(engine, "activities", [(f"A{i}", NIP, "2026-01-05", "IND1", q, m, "approved", text)
                                   for i, (q, m, text) in enumerate([(1, None, None)] * 2500 + [
                                       (2.5, 30, "rapat koordinasi — Dinas"), ("x", "12", 7.25), (None, 1.0, "")])])
    _insert(engine, "feedback", [(f"F{i}", NIP, i, "peer", 2026, 1, "loyal", score, None, None)
                                 for i, score in enumerate([4] * 2000 + [4.5, "empat", None])]
            + [("F-x", NIP, NIP, "self", "2026", "1", 3, 5, "baik sekali", "2026-01-05 10:00:00")])
    month, quarter = Period.month(2026, 1), Period.quarter(2026, 1)
    # Batches of 700 rows: a table arrives in several, converted one by one (their NULL-only columns,
    # values first seen in a later batch); the frame and fingerprint are those of one batch.
    for (table, period), batch in itertools.product(
            [("attendance", month), ("activities", month), ("feedback", quarter)], [None, 700]):
        arrow, sqlite3, extracted = _read_both(spawned, url, table, period, batch)
        _same_frames(arrow, sqlite3)
        _same_frames(extracted.rows, sqlite3)
        partitions, digests, row_digests = table_parts(table, sqlite3)
        assert extracted.partitions.equals(partitions) and extracted.digests.equals(digests)
        assert extracted.row_digests == row_digests
        if table == "attendance":
            assert len(arrow) == 3007 and arrow["work_date"][0] is arrow["work_date"][28]  # one object each
            assert set(arrow["status"].iloc[3000:]) == {"HD", "1.0e+300", "3", "2.5", "é", "", None}
    empty, _, _ = _read_both(spawned, url, "activities", Period.month(2027, 1))
    assert len(empty) == 0 and list(empty.columns) == list(SOURCE_COLUMNS["activities"])


def test_arrow_reads_report_missing_tables_and_columns_as_sqlite3_does(tmp_path, spawned):
    url = f"sqlite:///{tmp_path}/missing.db"
    engine = _source(url)
    with engine.begin() as conn:
        conn.execute(sa.text("drop table activities"))
        conn.execute(sa.text("alter table feedback drop column comment"))
    engine.dispose()
    for table, missing in [("activities", ("activity_id", "nip", "activity_date", "indicator_id", "quantity",
                                           "minutes", "status", "description")), ("feedback", ("comment",))]:
        raised, extracted = spawned.submit(_arrow_missing_in_worker, url, table, Period.quarter(2026, 1)).result()
        assert isinstance(raised, MissingTable) and raised.missing_columns == missing
        assert isinstance(extracted.rows, MissingTable) and extracted.rows.missing_columns == missing


def test_postgresql_large_tables_read_through_copy_as_the_cursor_reads_them(pg_server, monkeypatch):
    """The COPY + Arrow CSV read of the large tables of a PostgreSQL source gives exactly the cursor's
    frame: NULL apart from the empty text, text holding commas, quotes, line breaks, backslashes, `\\.`,
    "NULL" and non-ASCII, several CSV batches; and the fingerprint of the rows. A result column that is
    not text (a deployment's own SQL) falls back to the cursor, with the same frame."""
    from kinerja import extract
    from kinerja.extract import _extract_postgresql_through_arrow, extract_and_fingerprint
    from kinerja.fingerprint import table_parts

    url = pg_server.create_database("kinerja_copy")
    engine = _source(url)
    odd = [None, "", " spaced ", 'a "quoted", text', "line\nbreak", "crlf\r\nbreak", "back\\slash", "\\.",
           "NULL", "rapat koordinasi — Dinas é", ",", '"']
    _insert(engine, "attendance", [(f"1980{d % 40:014d}", date(2026, 1, d % 28 + 1), None if d % 3 else "07:30:05",
                                    "16:30", ["HD", "TK", None, ""][d % 4]) for d in range(3000)])
    _insert(engine, "activities", [(f"A{i}", NIP, date(2026, 1, 5), "IND1", 2.5 if i % 2 else None, 30,
                                    "approved", odd[i % len(odd)]) for i in range(2500)])
    _insert(engine, "feedback", [(f"F{i}", NIP, str(i), "peer", 2026, 1, "loyal", 4, odd[i % len(odd)],
                                  None if i % 5 else "2026-01-05 10:00:00") for i in range(2000)])
    monkeypatch.setattr(extract, "_CSV_BLOCK", 4096)  # several batches, converted one by one
    month, quarter = Period.month(2026, 1), Period.quarter(2026, 1)
    for table, period in [("attendance", month), ("activities", month), ("feedback", quarter)]:
        cursor = extract_table(db.get_engine(url), table, period, None)
        read = _extract_postgresql_through_arrow(url, table, period)
        assert read is not None, f"{table} was not read through COPY"
        _same_frames(read[0], cursor)
        extracted = extract_and_fingerprint(url, table, period, None)
        _same_frames(extracted.rows, cursor)
        partitions, digests, row_digests = table_parts(table, cursor)
        assert extracted.partitions.equals(partitions) and extracted.digests.equals(digests)
        assert extracted.row_digests == row_digests
    assert set(read[0]["comment"]) == set(odd)
    assert _extract_postgresql_through_arrow(url, "feedback", Period.quarter(2027, 1)) is None  # no rows
    monkeypatch.setattr(extract, "_PG_TEXT_TYPES", frozenset())
    assert _extract_postgresql_through_arrow(url, "feedback", quarter) is None
    _same_frames(extract_and_fingerprint(url, "feedback", quarter, None).rows, cursor)
