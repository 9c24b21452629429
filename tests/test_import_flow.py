"""An imported export flows through a real run (issue: meet the data where it lives).

A CSV export in each shipped layout (fingerprint machine attendance, BKN SKP targets) replaces what the
generated city holds for a few employees, is imported with the shipped mapping, and the monthly or
quarterly flow then validates and scores those rows, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.cli import run_flow
from kinerja.importer import import_file
from tests.city import YEAR, settings_for

pytestmark = pytest.mark.usefixtures("prefect_harness")

MONTH = 7
QUARTER = 3
DEFAULT_START = dt.time(7, 30)  # policy.default.yaml calendar.default_schedule, Monday to Friday



def _frame(url: str, query: str, **params) -> pd.DataFrame:
    with db.get_engine(url).connect() as conn:
        result = conn.execute(sa.text(query), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _time(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        return (dt.datetime.min + value).time()
    return dt.time.fromisoformat(str(value))


def _clean_employees(url: str, start: str, end: str, count: int) -> list[str]:
    """Employees active and assigned over [start, end] with no row the generator damaged on purpose."""
    candidates = _frame(url, f"""
        select distinct e.nip from employees e join assignments a on a.nip = e.nip
        where e.active_from <= '{start}' and (e.active_to is null or e.active_to >= '{end}')
          and a.valid_from <= '{start}' and (a.valid_to is null or a.valid_to >= '{end}')
        order by e.nip""")["nip"].astype(str)
    damaged = " ".join(_frame(url, "select row_key from generator_bad_rows")["row_key"].astype(str))
    picked = [nip for nip in candidates if nip not in damaged][:count]
    assert len(picked) == count
    return picked


def _delete(url: str, table: str, where: str, nips: list[str]) -> int:
    statement = sa.text(f"delete from {table} where nip in :nips and {where}").bindparams(
        sa.bindparam("nips", expanding=True))
    with db.get_engine(url).begin() as conn:
        return conn.execute(statement, {"nips": nips}).rowcount


def test_a_fingerprint_export_imports_validates_and_scores_in_the_monthly_run(city, tmp_path):
    url = city.copy()
    first, last = dt.date(YEAR, MONTH, 1), dt.date(YEAR, MONTH, 31)
    nips = _clean_employees(url, first.isoformat(), last.isoformat(), 5)
    holidays = {_day(d) for d in _frame(url, f"select holiday_date from holidays where holiday_date between "
                                             f"'{first}' and '{last}'")["holiday_date"]}
    workdays = [first + dt.timedelta(n) for n in range(31)
                if (first + dt.timedelta(n)).isoweekday() <= 5 and first + dt.timedelta(n) not in holidays]
    assert len(workdays) >= 20
    # the export replaces what the machine recorded for these employees in that month
    assert _delete(url, "attendance", f"work_date between '{first}' and '{last}'", nips) > 0

    late_day = workdays[1]
    schedules = _frame(url, "select valid_from, valid_to, weekday, start_time from work_schedules")
    covering = schedules[(schedules["weekday"].astype(int) == late_day.isoweekday())
                         & (schedules["valid_from"].map(_day) <= late_day)
                         & (schedules["valid_to"].map(_day) >= late_day)]
    start = (_time(covering.sort_values("valid_from").iloc[-1]["start_time"]) if len(covering)
             else DEFAULT_START)
    expected_late = 67  # band 3 (61-90 minutes)
    late_in = (dt.datetime.combine(late_day, start) + dt.timedelta(minutes=expected_late)).time()

    pins = {nip: 201 + i for i, nip in enumerate(nips)}
    (tmp_path / "pin_nip.csv").write_text("pin,nip\n" + "".join(f"{p},{n}\n" for n, p in pins.items()),
                                          encoding="utf-8")
    lines = ["PIN;Nama;Tanggal;Jam Masuk;Jam Pulang"]
    bad_nip, bad_day = nips[1], workdays[2]
    for nip in nips:
        for day in workdays:
            check_in = late_in if (nip, day) == (nips[0], late_day) else dt.time(7, 12)
            time_in = "25:61" if (nip, day) == (bad_nip, bad_day) else f"{check_in:%H.%M}"
            lines.append(f"{pins[nip]};Pegawai {pins[nip]};{day:%d/%m/%Y};{time_in};17.05")
    lines.append(f"999;Tamu Dinas Dédé;{workdays[0]:%d/%m/%Y};07.40;16.00")
    export = tmp_path / f"absensi_{YEAR}-{MONTH:02d}.csv"
    export.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))

    engine = db.get_engine(url)
    report = import_file(engine, "attendance", export, mapping="fingerprint_attendance")
    punches = len(nips) * len(workdays)
    assert report.encoding == "windows-1252"
    assert report.rows_in_file == punches + 1
    assert report.loaded == punches - 1 and report.written == punches - 1
    assert report.counts == {"bad_time": 1, "unknown_pin": 1}
    (leave,) = report.merges  # no leave list next to this export
    assert leave.note is not None and leave.added == 0

    outcome = run_flow("monthly", settings_for(url, tmp_path / "out"), year=YEAR, month=MONTH)
    assert outcome.status == "succeeded", outcome.message
    quarantined = _frame(url, "select row_key from quarantine where run_id = :r and source_table = 'attendance'",
                         r=outcome.run_id)["row_key"].astype(str)
    assert not any(nip in key for key in quarantined for nip in nips)
    monthly = _frame(url, "select * from attendance_monthly where run_id = :r and month = :m",
                     r=outcome.run_id, m=f"{YEAR}-{MONTH:02d}").set_index("nip")
    row = monthly.loc[nips[0]]
    assert int(row["workdays"]) == len(workdays)
    assert int(row["present_days"]) == len(workdays)  # every imported punch day, none left from before
    assert int(row["tk_days"]) == 0
    assert float(row["late_minutes"]) == expected_late and int(row["tl3"]) == 1
    assert float(row["early_minutes"]) == 0
    rejected = monthly.loc[bad_nip]  # the rejected row leaves that working day without a record: TK
    assert (int(rejected["present_days"]), int(rejected["tk_days"])) == (len(workdays) - 1, 1)


def test_a_bkn_targets_export_imports_validates_and_scores_in_the_quarterly_run(city, tmp_path):
    url = city.copy()
    first, last = dt.date(YEAR, 7, 1), dt.date(YEAR, 9, 30)
    nips = _clean_employees(url, first.isoformat(), last.isoformat(), 3)
    assert _delete(url, "targets", f"year = {YEAR} and quarter = {QUARTER}", nips) > 0
    indicators = _frame(url, f"""
        select distinct a.nip, i.indicator_id, i.aggregation from assignments a
        join indicators i on i.unit_code = a.unit_code
        where a.valid_from <= '{first}' and (a.valid_to is null or a.valid_to >= '{last}')
        order by a.nip, i.indicator_id""")
    # weights add up to 100; targets in Indonesian number formats (decimal comma, thousands dot)
    plans = [[("12,5", 12.5, "40"), ("1.250", 1250.0, "60")],
             [("7,25", 7.25, "25,5"), ("30", 30.0, "74,5")],
             [("100", 100.0, "100")]]
    quarter_text = ["III", "3", "TW III"]
    lines = ["NIP;Tahun;Triwulan;Kode Indikator;Target;Bobot"]
    imported: dict[str, dict[str, tuple[float, str]]] = {}
    for nip, plan, q in zip(nips, plans, quarter_text):
        own = indicators[indicators["nip"].astype(str) == nip]
        own = own.sort_values("aggregation", key=lambda s: s != "sum", kind="mergesort")
        assert len(own) >= len(plan)
        imported[nip] = {}
        for (text, value, weight), (_, ind) in zip(plan, own.iterrows()):
            lines.append(f"{nip};{YEAR};{q};{ind['indicator_id']};{text};{weight}")
            imported[nip][str(ind["indicator_id"])] = (value, str(ind["aggregation"]))
    lines.append(f"1.99105E+17;{YEAR};III;{next(iter(imported[nips[0]]))};10;50")
    export = tmp_path / f"skp_{YEAR}.csv"
    export.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))

    engine = db.get_engine(url)
    report = import_file(engine, "targets", export, mapping="bkn_skp_targets")
    rows = sum(len(p) for p in plans)
    assert report.rows_in_file == rows + 1
    assert report.loaded == rows and report.written == rows
    assert report.counts == {"nip_spreadsheet": 1}

    outcome = run_flow("quarterly", settings_for(url, tmp_path / "out"), year=YEAR, quarter=QUARTER)
    assert outcome.status == "succeeded", outcome.message
    nip = nips[0]
    scores = _frame(url, "select * from indicator_scores where run_id = :r and nip = :n",
                    r=outcome.run_id, n=nip).set_index("indicator_id")
    assert set(scores.index.astype(str)) == set(imported[nip])
    (prorate,) = _frame(url, "select prorate_factor from employee_scores where run_id = :r and nip = :n",
                        r=outcome.run_id, n=nip)["prorate_factor"]
    assert float(prorate) == 1.0  # active the whole quarter
    for indicator, (target, aggregation) in imported[nip].items():
        expected = target * float(prorate) if aggregation == "sum" else target
        assert float(scores.loc[indicator, "target_effective"]) == pytest.approx(expected)
    assert sorted(float(w) for w in scores["weight"]) == [40.0, 60.0]
    imported_rows = _frame(url, f"select nip, indicator_id, target, weight from targets where nip in "
                                f"('{nips[0]}', '{nips[1]}', '{nips[2]}') and year = {YEAR} and quarter = {QUARTER}")
    assert len(imported_rows) == rows
