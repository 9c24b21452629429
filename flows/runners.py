"""Task runners: threads by default, Dask (a local 2-worker cluster or an existing scheduler) on request."""
from __future__ import annotations


def dask_runner(address: str | None = None):
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None,
                                          "processes": True})
