"""The `kinerja` command as a user meets it: exit codes, one-line messages, runs/diff/card/serve."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.cli import main
from tests.city import CUTOFF, YEAR

pytestmark = pytest.mark.usefixtures("prefect_harness")
KINERJA = str(Path(sys.executable).parent / "kinerja")



def _run(*argv: str) -> int:
    return main(list(argv))


def _common(url: str, out: Path) -> list[str]:
    return ["--source", url, "--warehouse", url, "--output", str(out), "--data-as-of", CUTOFF.isoformat()]


def test_rerun_runs_diff_and_card_tell_the_story_of_a_correction(city, tmp_path, capsys):
    url = city.copy()
    assert _run("run", "quarterly", "--year", str(YEAR), "--quarter", "1", *_common(url, tmp_path)) == 0
    with db.get_engine(url).begin() as conn:
        nip, day = conn.execute(sa.text("select nip, work_date from attendance where status = 'HD' and work_date "
                                        "between '2026-02-02' and '2026-02-27' order by nip limit 1")).one()
        conn.execute(sa.text("update attendance set status = 'TK', check_in = null, check_out = null "
                             "where nip = :n and work_date = :d"), {"n": nip, "d": day})
    assert _run("rerun", "quarterly", "--year", str(YEAR), "--quarter", "1", *_common(url, tmp_path),
                "--reason", "koreksi absensi Februari", "--no-reports") == 0
    capsys.readouterr()
    assert _run("runs", "--period", "2026-Q1", "--warehouse", url) == 0
    listing = capsys.readouterr().out
    assert "koreksi absensi Februari" in listing and listing.count("succeeded") == 2 and "*" in listing
    with db.get_engine(url).connect() as conn:
        new_run = conn.execute(sa.text("select run_id from runs where published = 1")).scalar()
    assert _run("diff", new_run, "--warehouse", url) == 0
    diff = capsys.readouterr().out
    assert nip in diff and "disiplin_score" in diff and "attendance (" in diff
    assert _run("card", nip, "--period", "2026-Q1", "--pdf", "--warehouse", url, "--output", str(tmp_path)) == 0
    pdf = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_blocked_run_exits_3_naming_table_check_and_count(city, tmp_path, capsys):
    url = city.copy()
    with db.get_engine(url).begin() as conn:
        conn.execute(sa.text("update attendance set check_in = '10:00:00', check_out = '08:00:00' "
                             "where work_date between '2026-04-01' and '2026-04-30' and status = 'HD'"))
    assert _run("run", "monthly", "--month", "2026-04", *_common(url, tmp_path), "--no-reports") == 3
    ours = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kinerja:")]
    assert len(ours) == 1
    assert "attendance" in ours[0] and "quarantine_share" in ours[0] and "blocked" in ours[0]


@pytest.mark.parametrize("argv, says", [
    (["run", "quarterly", "--year", "2026", "--quarter", "5"], "quarter"),
    (["run", "monthly", "--month", "2026-13"], "month 13"),
    (["run", "annual", "--year", "20x6"], "year"),
])
def test_bad_periods_are_one_line_usage_errors(argv, says, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and says in err and len(err.strip().splitlines()) == 1


def test_an_unreadable_policy_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: x\nnilai_akhir: {weights: {hasil_kerja: 0, perilaku: 0, disiplin: 0}}\n")
    url = f"sqlite:///{tmp_path}/k.db"
    assert _run("run", "monthly", "--month", "2026-01", "--source", url, "--warehouse", url,
                "--policy", str(bad), "--no-reports") == 2
    ours = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kinerja:")]
    assert len(ours) == 1 and "policy" in ours[0]


def test_a_card_for_an_unknown_employee_is_a_usage_error(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/k.db"
    assert _run("card", "199105252023211031", "--period", "2026-Q1", "--warehouse", url,
                "--output", str(tmp_path)) == 2
    ours = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kinerja:")]
    assert len(ours) == 1 and "Traceback" not in ours[0]


def test_generate_refuses_a_source_that_holds_data(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/k.db"
    assert _run("generate", "--employees", "30", "--year", "2026", "--source", url) == 0
    assert _run("generate", "--employees", "30", "--year", "2026", "--source", url) == 2
    assert "--replace" in capsys.readouterr().err


def test_serve_lists_the_three_schedules_with_next_run_times():
    from prefect.settings import get_current_settings

    env = dict(os.environ, PREFECT_API_URL=str(get_current_settings().api.url))
    proc = subprocess.Popen([KINERJA, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines: list[str] = []
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if sum("next run" in x for x in lines) == 3 and any("serving" in x.lower() or "deployment" in x.lower()
                                                                  for x in lines[3:]):
                break
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    text = "".join(lines)
    for name, cron in (("monthly", "0 2 5 * *"), ("quarterly", "0 3 10 1,4,7,10 *"), ("annual", "0 4 15 1 *")):
        assert f"{name}: {cron} (Asia/Jakarta) next run" in text, text
