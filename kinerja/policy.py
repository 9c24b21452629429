"""The policy: every tunable number of the methodology, loaded once from YAML and validated.

A deployment copies `policy.default.yaml`, changes values and bumps `version`; every run records the
version and the hash of the file's content, so a number in a report is traceable to the policy that
produced it. Unknown keys, wrong types and impossible values are refused with a message naming the key.
"""
from __future__ import annotations

import hashlib
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.default.yaml")

RATER_TYPES = ("supervisor", "peer", "subordinate", "public", "self")
ATTENDANCE_STATUSES = ("HD", "DL", "TK", "CT", "CS", "CB", "CM", "CP", "CLTN", "TB")
ASPECTS = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")

NonNegative = Annotated[float, Field(ge=0)]


class PolicyError(ValueError):
    """The policy file cannot be used; the message names the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_clock(value: str) -> time:
    parts = str(value).split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"{value!r} is not a time HH:MM or HH:MM:SS")
    h, m, s = (int(p) for p in parts + ["0"] * (3 - len(parts)))
    return time(h, m, s)


class CalendarPolicy(_Section):
    workdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1)
    default_schedule: dict[Annotated[int, Field(ge=1, le=7)], tuple[str, str]]

    @field_validator("default_schedule")
    @classmethod
    def _hours_in_order(cls, v: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
        for day, (start, end) in v.items():
            if _parse_clock(end) <= _parse_clock(start):
                raise ValueError(f"weekday {day}: end {end} is not after start {start}")
        return v

    @model_validator(mode="after")
    def _every_workday_has_hours(self) -> "CalendarPolicy":
        missing = sorted(set(self.workdays) - set(self.default_schedule))
        if missing:
            raise ValueError(f"default_schedule has no hours for workdays {missing}")
        return self

    def schedule_seconds(self, weekday: int) -> tuple[int, int]:
        """Start and end of the default working day of an ISO weekday, in seconds since midnight."""
        start, end = (_parse_clock(t) for t in self.default_schedule[weekday])
        return (start.hour * 3600 + start.minute * 60 + start.second,
                end.hour * 3600 + end.minute * 60 + end.second)


class AttendancePolicy(_Section):
    grace_minutes: NonNegative
    bands: list[tuple[float | None, NonNegative]] = Field(min_length=1)
    missing_time_band: int = Field(ge=1)
    absent_day_pct: NonNegative
    missing_record_as: Literal["TK", "unknown"]
    present_statuses: list[str] = Field(min_length=1)
    excused_statuses: list[str]

    @model_validator(mode="after")
    def _bands_ascending(self) -> "AttendancePolicy":
        bounds = [b for b, _ in self.bands]
        if any(b is None for b in bounds[:-1]):
            raise ValueError("only the last band may have no upper bound (null)")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(finite) or len(set(finite)) != len(finite):
            raise ValueError("band upper bounds must be strictly ascending")
        if self.missing_time_band > len(self.bands):
            raise ValueError(f"missing_time_band {self.missing_time_band} > number of bands {len(self.bands)}")
        unknown = sorted(set(self.present_statuses + self.excused_statuses) - set(ATTENDANCE_STATUSES))
        if unknown:
            raise ValueError(f"unknown status codes {unknown}")
        if set(self.present_statuses) & set(self.excused_statuses):
            raise ValueError("a status cannot be both present and excused")
        return self

    @property
    def band_pct(self) -> list[float]:
        """Deduction percent of band 1..n (index 0 is band 1)."""
        return [pct for _, pct in self.bands]


class DisciplinePolicy(_Section):
    ladder: list[tuple[Annotated[int, Field(ge=0)], str]] = Field(min_length=1)
    consecutive_tk_dismissal: int = Field(ge=1)

    @field_validator("ladder")
    @classmethod
    def _ascending(cls, v: list[tuple[int, str]]) -> list[tuple[int, str]]:
        thresholds = [t for t, _ in v]
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            raise ValueError("ladder thresholds must be strictly ascending")
        return v


class RatingBounds(_Section):
    above_min: float
    meets_min: float

    @model_validator(mode="after")
    def _ordered(self) -> "RatingBounds":
        if self.meets_min > self.above_min:
            raise ValueError("meets_min must not exceed above_min")
        return self


class HasilKerjaPolicy(RatingBounds):
    capaian_cap: float = Field(gt=0)


class PerilakuPolicy(RatingBounds):
    rater_weights: dict[Literal["supervisor", "peer", "subordinate", "public", "self"], NonNegative]
    min_raters: dict[Literal["supervisor", "peer", "subordinate", "public", "self"], Annotated[int, Field(ge=1)]]
    require_supervisor: bool

    @model_validator(mode="after")
    def _weights(self) -> "PerilakuPolicy":
        if sum(v for k, v in self.rater_weights.items() if k != "self") <= 0:
            raise ValueError("rater_weights: at least one rater type other than self needs a weight > 0")
        missing = sorted(set(RATER_TYPES) - set(self.min_raters))
        if missing:
            raise ValueError(f"min_raters: missing rater types {missing}")
        return self

    def weight(self, rater_type: str) -> float:
        return float(self.rater_weights.get(rater_type, 0.0))


class NilaiAkhirPolicy(_Section):
    weights: dict[Literal["hasil_kerja", "perilaku", "disiplin"], NonNegative]
    perilaku_scale: float = Field(gt=0)

    @field_validator("weights")
    @classmethod
    def _not_all_zero(cls, v: dict[str, float]) -> dict[str, float]:
        if sum(v.values()) <= 0:
            raise ValueError("weights are all zero")
        return v


class EligibilityPolicy(_Section):
    min_active_workdays: dict[Literal["quarter", "year"], Annotated[int, Field(ge=0)]]


class IkmPolicy(_Section):
    element_weight: Literal["exact", "rounded"]
    grades: list[tuple[float, str]] = Field(min_length=1)
    min_responses: int = Field(ge=1)

    @field_validator("grades")
    @classmethod
    def _descending(cls, v: list[tuple[float, str]]) -> list[tuple[float, str]]:
        bounds = [b for b, _ in v]
        if bounds != sorted(bounds, reverse=True):
            raise ValueError("grades must be listed from the highest bound down")
        return v

    @property
    def weight(self) -> float:
        return 1 / 9 if self.element_weight == "exact" else 0.111


class ValidationPolicy(_Section):
    max_quarantine_share: float = Field(ge=0, le=1)
    gate_min_quarantined: int = Field(ge=0)
    weight_sum_tolerance: NonNegative


class CalibrationPolicy(_Section):
    unit_share_gap: float = Field(ge=0, le=1)
    rater_leniency_z: float = Field(gt=0)
    self_gap: NonNegative


class PublishingPolicy(_Section):
    min_group_size: int = Field(ge=1)
    min_comment_raters: int = Field(ge=1)
    award_top_share: float = Field(gt=0, le=1)
    training_aspect_below: float
    training_capaian_below: float
    calibration: CalibrationPolicy


class Policy(_Section):
    """The whole policy file. Attribute names mirror the YAML keys."""

    version: str = Field(min_length=1)
    timezone: str
    calendar: CalendarPolicy
    attendance: AttendancePolicy
    discipline: DisciplinePolicy
    hasil_kerja: HasilKerjaPolicy
    perilaku: PerilakuPolicy
    nilai_akhir: NilaiAkhirPolicy
    eligibility: EligibilityPolicy
    ikm: IkmPolicy
    validation: ValidationPolicy
    publishing: PublishingPolicy
    # Set by load_policy from the file's bytes, not by the YAML.
    content_hash: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @cached_property
    def tz(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate a policy file (the packaged default when `path` is None)."""
    path = Path(path) if path else DEFAULT_POLICY_PATH
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"policy file {path} must hold a mapping of keys")
    if "content_hash" in data:
        raise PolicyError(f"policy file {path}: content_hash: not a policy key")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
        )
        raise PolicyError(f"policy file {path}: {problems}") from None
    return policy.model_copy(update={"content_hash": hashlib.sha256(raw).hexdigest()})
