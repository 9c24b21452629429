"""Typed run settings: every common option of the CLI, each also read from its environment variable."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kinerja import db
from kinerja.policy import Policy, load_policy

ENV = {
    "source_url": "KINERJA_SOURCE_URL",
    "warehouse_url": "KINERJA_WAREHOUSE_URL",
    "policy_path": "KINERJA_POLICY",
    "output_dir": "KINERJA_OUTPUT_DIR",
    "task_runner": "KINERJA_TASK_RUNNER",
    "dask_address": "KINERJA_DASK_ADDRESS",
    "cache_dir": "KINERJA_CACHE_DIR",
    "score_groups": "KINERJA_SCORE_GROUPS",
    "score_concurrency": "KINERJA_SCORE_CONCURRENCY",
    "score_group_employees": "KINERJA_SCORE_GROUP_EMPLOYEES",
    "extract_processes": "KINERJA_EXTRACT_PROCESSES",
    "signature_place": "KINERJA_SIGNATURE_PLACE",
}


class RunSettings(BaseModel):
    """Where a run reads, where it writes, under which policy and cut-off."""

    model_config = ConfigDict(frozen=True)

    source_url: str
    warehouse_url: str
    policy_path: str | None = None
    output_dir: Path = Path("out")
    data_as_of: datetime | None = None
    task_runner: Literal["thread", "dask"] = "thread"
    dask_address: str | None = None
    render_reports: bool = True
    cache_dir: Path = Path("var") / "cache"  # content-addressed validation verdicts (never stale)
    score_groups: int = Field(default=4, ge=1)  # unit groups a quarter or year is scored in, at least
    # More groups for a larger organisation: about this many employees a group (`scoring_group_count`).
    # A group in flight costs memory in proportion to its employees; the groups' count costs little time.
    score_group_employees: int = Field(default=1000, ge=1)
    # Unit groups cut and scored at once (memory grows with it); raise it for a Dask cluster of more workers.
    score_concurrency: int = Field(default=2, ge=1)
    # Worker processes extracting (and keeping, and validating) the large tables at once (tasks/extract.py):
    # None chooses (one per large table and core, for a source of 2,000 employees or more; tasks.extract),
    # 0 or 1 extracts in threads.
    extract_processes: int | None = Field(default=None, ge=0)
    # Where the organisation's reports are signed ("Semarang"): the place before the date on a unit
    # report's signature block. None prints a line to fill in by hand ("Kota ..........").
    signature_place: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> "RunSettings":
        """Options given explicitly win over environment variables, which win over defaults."""
        values: dict[str, object] = {}
        for field, var in ENV.items():
            if os.environ.get(var):
                values[field] = os.environ[var]
        values.update({k: v for k, v in overrides.items() if v is not None})
        values.setdefault("source_url", db.default_url())
        values.setdefault("warehouse_url", db.default_url())  # cli.md: the embedded file, not the source
        return cls(**values)

    def policy(self) -> Policy:
        return load_policy(self.policy_path)

    def cutoff(self, policy: Policy, started_at: datetime) -> tuple[datetime, date]:
        """The data cut-off as a local timestamp in the policy time zone, and its date."""
        moment = self.data_as_of or started_at
        if moment.tzinfo is not None:
            moment = moment.astimezone(policy.tz).replace(tzinfo=None)
        return moment, moment.date()
