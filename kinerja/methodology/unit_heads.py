"""Who heads each unit on a day: the name and NIP on the signature block of a unit's report.

Not a score. The source has no "head" column, so the head is read from the supervision tree that
`assignments` already holds (supervisor_nip, atasan langsung): the head of a unit is the member whose own
supervisor is not a member of that unit that day, e.g. the Kepala Dinas, whose atasan is the Sekretaris
Daerah, or a Camat, whose atasan is the Bupati. Positions are not read for it, because their wording
varies (Kepala, Camat, Direktur, Sekretaris DPRD, Plt. …).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ._common import OPEN_END, OPEN_START, day_number, day_numbers, obj
from .calendar import employee_bounds

COLUMNS = ["unit_code", "nip", "name", "position"]


def unit_heads(assignments: pd.DataFrame, employees: pd.DataFrame, on: date) -> pd.DataFrame:
    """The head of each unit on day `on`, one row per unit that has one. Columns unit_code, nip, name,
    position (the head's own jabatan).

    Members are the employees active on `on` with an assignments row valid on `on`; an employee with two
    such rows counts in one unit, chosen like `calendar.unit_assignment` chooses (the later valid_from,
    then the later valid_to, NULL latest, then the smaller unit_code, supervisor_nip and position).
    Candidates are the members whose supervisor_nip is NULL or names no member of the same unit. Of
    several (a vacancy filled by a Plt. beside a data error, a unit of peers), the one with the most
    members reporting to them directly wins, then the smaller NIP, so the result never depends on row
    order. A unit whose members all
    report inside it (a cycle) has no candidate and no head."""
    if assignments.empty or employees.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    day = day_number(on)
    nips, active_from, active_to = employee_bounds(employees)
    active = (active_from <= day) & (day <= active_to)
    people = pd.DataFrame({"nip": obj(nips[active]), "name": obj(employees["name"].to_numpy()[active])})
    people = people.drop_duplicates("nip")
    rows = pd.DataFrame({"nip": obj(assignments["nip"]), "unit_code": obj(assignments["unit_code"]),
                         "supervisor_nip": obj(assignments["supervisor_nip"]),
                         "position": obj(assignments["position"]),
                         "vf": day_numbers(assignments["valid_from"], fill=int(OPEN_START)),
                         "vt": day_numbers(assignments["valid_to"], fill=int(OPEN_END))})
    rows = rows[(rows["vf"] <= day) & (day <= rows["vt"]) & rows["unit_code"].notna()]
    members = rows.merge(people[["nip", "name"]], on="nip")
    members = members.sort_values(["nip", "vf", "vt", "unit_code", "supervisor_nip", "position"],
                                  ascending=[True, False, False, True, True, True], kind="mergesort",
                                  na_position="last").drop_duplicates("nip", keep="first")
    same_unit = members[["nip", "unit_code"]].rename(columns={"nip": "supervisor_nip"})
    supervised = members.loc[members["supervisor_nip"].notna(), ["nip", "supervisor_nip", "unit_code"]]
    inside = supervised.merge(same_unit, on=["supervisor_nip", "unit_code"])  # reports to a unit colleague
    reports = inside.groupby(["supervisor_nip", "unit_code"]).size().rename("reports").reset_index()
    candidates = members[~members["nip"].isin(set(inside["nip"]))]
    candidates = candidates.merge(reports.rename(columns={"supervisor_nip": "nip"}), on=["nip", "unit_code"],
                                  how="left")
    candidates["reports"] = candidates["reports"].fillna(0).astype(np.int64)
    heads = candidates.sort_values(["unit_code", "reports", "nip"], ascending=[True, False, True], kind="mergesort")
    heads = heads.drop_duplicates("unit_code", keep="first")
    return heads[COLUMNS].reset_index(drop=True)
