"""Faults, attacks and bad input lose nothing and leak nothing (docs/reliability.md lists these tests)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from kinerja import db, runs
from kinerja.cli import main, run_flow
from kinerja.history import check_warehouse
from tests.city import CUTOFF, YEAR, settings_for
from tests.pg import PostgresServer

pytestmark = pytest.mark.usefixtures("prefect_harness")
KINERJA = str(Path(sys.executable).parent / "kinerja")
SECRET = "Sup3rS3cretPassw0rd"



def _scalar(url, query, **params):
    with db.get_engine(url).connect() as conn:
        return conn.execute(sa.text(query), params).scalar()


def _frame(url, query, **params) -> pd.DataFrame:
    with db.get_engine(url).connect() as conn:
        result = conn.execute(sa.text(query), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _correct_one_row(url):
    """A unit's correction: one attendance day of Q1 becomes TK (changes the fingerprint)."""
    with db.get_engine(url).begin() as conn:
        row = conn.execute(sa.text("select nip, work_date from attendance where status = 'HD' and work_date "
                                   "between '2026-01-05' and '2026-03-27' order by nip, work_date limit 1")).one()
        conn.execute(sa.text("update attendance set status = 'TK', check_in = null, check_out = null "
                             "where nip = :n and work_date = :d"), {"n": row.nip, "d": row.work_date})


def _api_env() -> dict[str, str]:
    """Environment for a `kinerja` subprocess that uses this session's Prefect server."""
    from prefect.settings import get_current_settings

    return dict(os.environ, PREFECT_API_URL=str(get_current_settings().api.url))


def test_database_lost_between_score_and_write_fails_the_run_and_keeps_the_publication(tmp_path, monkeypatch):
    """PostgreSQL stops after scoring: the write retries, the run fails, nothing of it is published,
    the earlier publication stands; once the server is back the run is recorded failed and a re-run succeeds."""
    import flows.cycle
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    from kinerja.generate import generate_city

    server = PostgresServer().start()
    try:
        url = server.create_database("lost")
        generate_city(url, 40, YEAR, seed=7, progress=False)
        settings = settings_for(url, tmp_path)
        first = run_flow("quarterly", settings, year=YEAR, quarter=1)
        assert first.status == "succeeded"
        _correct_one_row(url)

        original = flows.cycle.score_period_task

        @task(name="score-period", cache_policy=NO_CACHE)
        def score_then_lose_the_database(ctx, checked):
            results = original.fn(ctx, checked)
            server.stop("immediate")
            return results

        monkeypatch.setattr(flows.cycle, "score_period_task", score_then_lose_the_database)
        lost = run_flow("quarterly", settings, year=YEAR, quarter=1)
        assert lost.status == "failed" and lost.exit_code == 1
        monkeypatch.setattr(flows.cycle, "score_period_task", original)

        server.restart_after_stop()
        engine = db.get_engine(url)
        engine.dispose()
        runs.reap_dead_runs(engine, CUTOFF)
        status = _frame(url, "select run_id, status, published from runs order by started_at")
        assert list(status["status"]) == ["succeeded", "failed"]
        assert list(status["published"]) == [1, 0]
        assert _scalar(url, "select count(*) from employee_scores where run_id = :r", r=lost.run_id) == 0
        assert check_warehouse(url) == []
        again = run_flow("quarterly", settings, "after the outage", year=YEAR, quarter=1)
        assert again.status == "succeeded"
        assert _scalar(url, "select run_id from runs where published = 1") == again.run_id
    finally:
        server.destroy()


def test_killed_mid_write_leaves_no_partial_publication(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    first = run_flow("quarterly", settings, year=YEAR, quarter=1)
    _correct_one_row(url)
    flag = tmp_path / "in-write"
    env = dict(_api_env(), KINERJA_FAULT_PAUSE_IN_WRITE=str(flag))
    proc = subprocess.Popen([KINERJA, "run", "quarterly", "--year", str(YEAR), "--quarter", "1", "--source", url,
                             "--warehouse", url, "--data-as-of", CUTOFF.isoformat(), "--no-reports"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not flag.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert flag.exists(), "the run never reached its write transaction"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)

    assert _scalar(url, "select run_id from runs where published = 1") == first.run_id
    killed = _scalar(url, "select run_id from runs where run_id <> :r", r=first.run_id)
    for table in ("employee_scores", "indicator_scores", "attendance_monthly", "quarantine", "revisions"):
        assert _scalar(url, f"select count(*) from {table} where run_id = :r", r=killed) == 0
    assert check_warehouse(url) == []  # reaps the killed run first
    assert _scalar(url, "select status from runs where run_id = :r", r=killed) == "failed"
    again = run_flow("quarterly", settings, year=YEAR, quarter=1)
    assert again.status == "succeeded"


def test_runs_of_different_periods_proceed_in_parallel(city, tmp_path):
    url = city.copy()
    settings = settings_for(url, tmp_path)
    outcomes: list = []
    threads = [threading.Thread(target=lambda m=m: outcomes.append(run_flow("monthly", settings, year=YEAR, month=m)))
               for m in (5, 6, 5, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    by_period = {}
    for o in outcomes:
        by_period.setdefault(o.period, []).append(o.status)
    assert {p: s.count("succeeded") for p, s in by_period.items()} == {"2026-05": 1, "2026-06": 1}
    published = _frame(url, "select period from runs where published = 1 order by period")
    assert list(published["period"]) == ["2026-05", "2026-06"]


def test_sql_injection_in_a_cli_argument_is_a_usage_error(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/w.db"
    db.create_schema(db.get_engine(url), "warehouse")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "monthly", "--month", "2026-01'; DROP TABLE runs; --", "--warehouse", url])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _scalar(url, "select count(*) from runs") == 0  # the table is still there


def test_hostile_text_is_stored_as_data_and_escaped_in_every_report(city, tmp_path):
    url = city.copy()
    attack = "Robert'); DROP TABLE employees; -- <script>alert('x')</script>"
    formula = '=HYPERLINK("http://evil.example","klik")'
    with db.get_engine(url).begin() as conn:
        nip = conn.execute(sa.text("select ratee_nip from feedback where rater_type = 'peer' and quarter = 1 "
                                   "order by ratee_nip limit 1")).scalar()
        conn.execute(sa.text("update employees set name = :a where nip = :n"), {"a": attack, "n": nip})
        conn.execute(sa.text("update feedback set comment = :c where ratee_nip = :n and rater_type = 'peer' "
                             "and quarter = 1"), {"c": formula + " " + attack, "n": nip})
        conn.execute(sa.text("update units set name = :a where unit_code = (select min(unit_code) from units)"),
                     {"a": attack})
    outcome = run_flow("quarterly", settings_for(url, tmp_path, render_reports=True), year=YEAR, quarter=1)
    assert outcome.status == "succeeded"
    assert _scalar(url, "select count(*) from employees") > 0  # nothing was dropped
    assert _scalar(url, "select name from run_employees where nip = :n", n=nip) == attack
    pages = list(Path(tmp_path).rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(" not in text, page
    card = next(Path(tmp_path).rglob(f"card/{nip}.html")).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in card
    from openpyxl import load_workbook

    book = load_workbook(next(Path(tmp_path).rglob("results.xlsx")), read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_a_huge_text_value_is_quarantined_with_a_clear_message(city, tmp_path):
    url = city.copy()
    with db.get_engine(url).begin() as conn:
        fid = conn.execute(sa.text("select min(feedback_id) from feedback where quarter = 1")).scalar()
        conn.execute(sa.text("update feedback set comment = :c where feedback_id = :f"), {"c": "A" * 2_000_000, "f": fid})
    outcome = run_flow("quarterly", settings_for(url, tmp_path), year=YEAR, quarter=1)
    assert outcome.status == "succeeded"
    row = _frame(url, "select check_name, detail from quarantine where run_id = :r and row_key = :k",
                 r=outcome.run_id, k=fid)
    assert list(row["check_name"]) == ["text_too_long"]
    assert "comment is longer than 10,000 characters" in row["detail"].iloc[0]


def test_passwords_never_appear_in_logs_reports_artifacts_or_errors(pg_server, tmp_path, capfd, caplog):
    from kinerja.generate import generate_city

    plain = pg_server.create_database("secrets")
    url = plain.replace("kinerja@", f"kinerja:{SECRET}@")  # trust auth accepts any password
    generate_city(url, 40, YEAR, seed=7, progress=False)
    outcome = run_flow("monthly", settings_for(url, tmp_path, render_reports=True), year=YEAR, month=2)
    assert outcome.status == "succeeded"
    # an unreachable database with a password: one line, exit 2, no password
    code = main(["run", "monthly", "--month", "2026-02", "--source", f"postgresql://hr:{SECRET}@127.0.0.1:1/x",
                 "--warehouse", f"postgresql://hr:{SECRET}@127.0.0.1:1/x"])
    assert code == 2
    seen = capfd.readouterr()
    texts = [seen.out, seen.err, caplog.text, outcome.message]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in Path(tmp_path).rglob("*") if p.suffix in
              (".html", ".csv", ".svg")]
    with db.get_engine(url).connect() as conn:
        texts += [str(r) for r in conn.execute(sa.text("select * from runs")).all()]
    texts += _artifact_texts()
    assert not [t for t in texts if SECRET in t]
    assert "***" in seen.err
    # logs at INFO never print a NIP (18 digits) or a comment
    assert not re.search(r"(?<!\d)\d{18}(?!\d)", caplog.text + seen.out + seen.err)


def _artifact_texts() -> list[str]:
    import asyncio

    from prefect.client.orchestration import get_client

    async def read():
        async with get_client() as client:
            return [str(a.data) + str(a.description) for a in await client.read_artifacts()]

    return asyncio.run(read())


def test_identical_inputs_give_identical_results_and_report_text(city, tmp_path):
    source = city.copy()
    texts, frames = [], []
    for name in ("a", "b"):
        out = tmp_path / name
        warehouse = f"sqlite:///{tmp_path}/{name}.db"
        settings = settings_for(source, out, render_reports=True).model_copy(update={"warehouse_url": warehouse})
        outcome = run_flow("quarterly", settings, year=YEAR, quarter=1)
        assert outcome.status == "succeeded"
        tables = {}
        for table in ("employee_scores", "indicator_scores", "aspect_scores", "attendance_monthly", "unit_scores",
                      "quarantine", "data_quality"):
            frame = _frame(warehouse, f"select * from {table} where run_id = :r", r=outcome.run_id)
            tables[table] = frame.drop(columns=["run_id"]).sort_values(list(frame.columns.drop("run_id"))[:3]) \
                .reset_index(drop=True)
        frames.append(tables)
        page = next(out.rglob(f"{outcome.run_id}/index.html")).read_text(encoding="utf-8")
        texts.append(page.replace(outcome.run_id, "RUN"))
    for table in frames[0]:
        pd.testing.assert_frame_equal(frames[0][table], frames[1][table], check_dtype=False)
    assert _strip_clock(texts[0]) == _strip_clock(texts[1])


def _strip_clock(text: str) -> str:
    """Report text without the wall-clock moments of the run (start/finish times)."""
    return re.sub(r"\d{1,2}[.:]\d{2}([.:]\d{2})?", "HH:MM", text)
