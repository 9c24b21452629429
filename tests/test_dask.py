"""The same flow on a local Dask cluster of 2 workers gives the same warehouse rows as the thread runner."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from kinerja import db
from kinerja.cli import run_flow
from tests.city import YEAR, settings_for

pytestmark = pytest.mark.usefixtures("prefect_harness")
TABLES = ("employee_scores", "indicator_scores", "aspect_scores", "rater_type_scores", "attendance_monthly",
          "unit_scores", "quarantine", "data_quality", "award_candidates", "training_needs", "calibration_flags")



def _rows(url: str, run_id: str) -> dict[str, pd.DataFrame]:
    out = {}
    with db.get_engine(url).connect() as conn:
        for table in TABLES:
            result = conn.execute(sa.text(f"select * from {table} where run_id = :r"), {"r": run_id})
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys())).drop(columns=["run_id"])
            out[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def test_dask_runner_gives_the_same_warehouse_rows_as_the_thread_runner(city, tmp_path):
    source = city.copy()
    results = []
    for runner in ("thread", "dask"):
        warehouse = city.copy()  # a separate warehouse per runner
        settings = settings_for(source, tmp_path / runner, task_runner=runner).model_copy(
            update={"warehouse_url": warehouse})
        outcome = run_flow("quarterly", settings, year=YEAR, quarter=2)
        assert outcome.status == "succeeded", outcome.message
        results.append(_rows(warehouse, outcome.run_id))
    for table in TABLES:
        pd.testing.assert_frame_equal(results[0][table], results[1][table], check_dtype=False)
