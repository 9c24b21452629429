"""Who signs a unit's report: the head read from the supervision tree of `assignments`."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kinerja.methodology.unit_heads import unit_heads

ON = date(2026, 3, 31)


def _employees(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["nip", "name", "active_from", "active_to"])


def _assignments(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["nip", "unit_code", "position", "supervisor_nip", "valid_from", "valid_to"])


def _heads(assignments: pd.DataFrame, employees: pd.DataFrame, on: date = ON) -> dict[str, tuple]:
    frame = unit_heads(assignments, employees, on)
    assert list(frame.columns) == ["unit_code", "nip", "name", "position"]
    return {row.unit_code: (row.nip, row.name, row.position) for row in frame.itertuples()}


PEOPLE = _employees(("S", "Sekda", "2000-01-01", None), ("H", "Hadi", "2000-01-01", None),
                    ("A", "Ani", "2000-01-01", None), ("B", "Budi", "2000-01-01", None),
                    ("C", "Camat Cici", "2000-01-01", None), ("D", "Dodi", "2000-01-01", None))
CITY = _assignments(("S", "SETDA", "Sekretaris Daerah", None, "2000-01-01", None),
                    ("H", "DISHUB", "Kepala Dinas Perhubungan", "S", "2000-01-01", None),
                    ("A", "DISHUB", "Analis", "H", "2000-01-01", None),
                    ("B", "DISHUB", "Pengadministrasi", "A", "2000-01-01", None),
                    ("C", "KEC-TGH", "Camat Tengah", "S", "2000-01-01", None),
                    ("D", "KEC-TGH", "Sekretaris Camat", "C", "2000-01-01", None))


def test_the_head_is_the_member_whose_supervisor_is_outside_the_unit_whatever_the_position_says():
    assert _heads(CITY, PEOPLE) == {"SETDA": ("S", "Sekda", "Sekretaris Daerah"),
                                    "DISHUB": ("H", "Hadi", "Kepala Dinas Perhubungan"),
                                    "KEC-TGH": ("C", "Camat Cici", "Camat Tengah")}


def test_the_head_is_the_one_assigned_on_the_day():
    """H moves to SETDA at the end of February; from March A heads DISHUB (A's supervisor H is no longer a
    member). An employee who left before the day is nobody's head."""
    moved = _assignments(("S", "SETDA", "Sekretaris Daerah", None, "2000-01-01", None),
                         ("H", "DISHUB", "Kepala Dinas Perhubungan", "S", "2000-01-01", "2026-02-28"),
                         ("H", "SETDA", "Asisten", "S", "2026-03-01", None),
                         ("A", "DISHUB", "Plt. Kepala Dinas", "H", "2000-01-01", None),
                         ("B", "DISHUB", "Pengadministrasi", "A", "2000-01-01", None))
    assert _heads(moved, PEOPLE, date(2026, 2, 27))["DISHUB"][0] == "H"
    assert _heads(moved, PEOPLE, ON)["DISHUB"] == ("A", "Ani", "Plt. Kepala Dinas")
    retired = PEOPLE.assign(active_to=[None, "2026-03-15", None, None, None, None])
    assert _heads(CITY, retired)["DISHUB"][0] == "A"  # H left in mid-March: A reports to no member


def test_two_rows_on_the_day_count_once_the_later_valid_from_wins():
    overlap = pd.concat([CITY, _assignments(("H", "KEC-TGH", "Camat (baru)", "S", "2026-03-01", None))])
    heads = _heads(overlap, PEOPLE)
    assert heads["KEC-TGH"][0] == "C"  # H is counted in KEC-TGH only, with no one reporting to H there
    assert heads["DISHUB"][0] == "A"


def test_among_several_candidates_the_most_direct_reports_then_the_smaller_nip():
    peers = _assignments(("A", "DISHUB", "Analis", None, "2000-01-01", None),
                         ("B", "DISHUB", "Analis", None, "2000-01-01", None),
                         ("D", "DISHUB", "Staf", "B", "2000-01-01", None))
    assert _heads(peers, PEOPLE)["DISHUB"][0] == "B"
    assert _heads(peers.iloc[:2], PEOPLE)["DISHUB"][0] == "A"


def test_a_unit_whose_members_all_report_inside_it_has_no_head_and_nothing_is_a_head_without_rows():
    cycle = _assignments(("A", "DISHUB", "Analis", "B", "2000-01-01", None),
                         ("B", "DISHUB", "Analis", "A", "2000-01-01", None))
    assert _heads(cycle, PEOPLE) == {}
    assert _heads(CITY.iloc[:0], PEOPLE) == {}
    assert _heads(CITY, PEOPLE, date(1999, 12, 31)) == {}


@pytest.mark.parametrize("seed", range(5))
def test_the_heads_do_not_depend_on_row_order(seed):
    rows = pd.concat([CITY, _assignments(("A", "DISHUB", "Analis", None, "2000-01-01", None),
                                         ("D", "DISHUB", "Staf", "A", "2026-01-01", None))])
    expected = unit_heads(rows, PEOPLE, ON)
    shuffled = unit_heads(rows.sample(frac=1, random_state=seed), PEOPLE.sample(frac=1, random_state=seed), ON)
    pd.testing.assert_frame_equal(shuffled, expected)
