"""What every task of a run needs to know, as plain picklable data (tasks may run on Dask workers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from kinerja.periods import Period
from kinerja.policy import Policy
from kinerja.settings import RunSettings

# Tables each flow extracts (validation.md, table checks); survey_responses and work_schedules are optional.
# Monthly runs also read indicators, targets and activities for the activity volume of the accountability
# report; for a month they are optional (table_checks.MONTHLY_OPTIONAL: their table checks never block).
MONTHLY_TABLES = ("units", "employees", "assignments", "holidays", "work_schedules", "attendance",
                  "survey_responses", "indicators", "targets", "activities")
PERIOD_TABLES = MONTHLY_TABLES + ("feedback",)


@dataclass(frozen=True)
class RunContext:
    run_id: str
    flow: str
    period: Period
    settings: RunSettings
    policy: Policy
    started_at: datetime
    data_as_of: datetime
    cutoff: date
    reason: str | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return MONTHLY_TABLES if self.flow == "monthly" else PERIOD_TABLES


@dataclass
class Outcome:
    """How a run ended, for the CLI (exit code) and for the flow's return value."""

    status: str  # succeeded | unchanged | blocked | failed | locked | usage_error | reports_failed
    message: str
    run_id: str | None = None
    flow: str | None = None
    period: str | None = None
    report_index: Path | None = None
    revisions: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    log_message: str | None = None  # the message with personal keys masked, for logs and Prefect

    @property
    def public_message(self) -> str:
        return self.log_message or self.message

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "unchanged": 0, "blocked": 3, "locked": 4, "usage_error": 2}.get(self.status, 1)
