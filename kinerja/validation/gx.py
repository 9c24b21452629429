"""Great Expectations plumbing: one ephemeral context per process, one pandas batch per table.

GX is imported lazily (its import costs ~2.5 s) with analytics and progress bars off and its logging
quietened. `run_suite` validates a frame against a suite with the COMPLETE result format and returns,
per expectation, the positions (`_row`) of the rows it found unexpected.
"""
from __future__ import annotations

import logging
import os
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd

ROW = "_row"  # the row-position column every batch carries (unexpected_index_column_names)

_lock = threading.RLock()
_state: dict[str, Any] = {}


def _quiet() -> None:
    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context",
                 "great_expectations.datasource", "great_expectations.validator",
                 "great_expectations.expectations", "great_expectations.execution_engine"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for name in list(logging.root.manager.loggerDict):  # GX gives some modules levels of their own
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.ERROR)


def gx_module():
    """`great_expectations`, imported once with analytics off."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
    _quiet()
    return gx


def context():
    """The process's ephemeral GX context (created once), progress bars off."""
    with _lock:
        if "context" not in _state:
            gx = gx_module()
            from great_expectations.data_context.types.base import ProgressBarsConfig

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ctx = gx.get_context(mode="ephemeral")
                ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
                _state["datasource"] = ctx.data_sources.add_pandas("kinerja_source")
            _state["context"] = ctx
            _state["batch_definitions"] = {}
        return _state["context"]


def _batch_definition(table: str):
    context()
    defs = _state["batch_definitions"]
    if table not in defs:
        asset = _state["datasource"].add_dataframe_asset(table)
        defs[table] = asset.add_batch_definition_whole_dataframe(f"{table}_whole")
    return defs[table]


def run_suite(table: str, suite, frame: pd.DataFrame) -> dict[int, np.ndarray]:
    """Validate `frame` (which carries `_row`) with `suite`.

    Returns {expectation position in the suite (meta["pos"]): sorted `_row` values it rejected}.
    An expectation that raised is a programming error, not bad data: it raises RuntimeError.
    """
    # `_row` is the frame's named index: with exclude_unexpected_values GX then returns the failing
    # row positions as one list instead of one dict per failing row (30x faster when many fail).
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [ROW],
                     "exclude_unexpected_values": True, "return_unexpected_index_query": False}
    if frame.index.name != ROW:
        frame = frame.set_index(ROW)
    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = _batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
        outcome = batch.validate(suite, result_format=result_format)
    failing: dict[int, np.ndarray] = {}
    for res in outcome.results:
        pos = int(res.expectation_config.meta["pos"])
        info = res.exception_info or {}
        if info.get("raised_exception"):
            raise RuntimeError(f"expectation {res.expectation_config.type} on {table} failed to run: "
                               f"{info.get('exception_message')}")
        if res.success:
            continue
        rows: list = []
        for entry in res.result.get("unexpected_index_list") or []:
            value = entry[ROW]
            rows.extend(value) if isinstance(value, list) else rows.append(value)
        if len(rows) != res.result.get("unexpected_count", len(rows)):
            raise RuntimeError(f"GX returned {len(rows)} of {res.result['unexpected_count']} unexpected rows "
                               f"for {res.expectation_config.type} on {table}")
        failing[pos] = np.asarray(rows, dtype=np.int64)
    return failing
