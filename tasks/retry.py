"""Which failures a task retries: transient database errors only; anything else fails fast."""
from __future__ import annotations

import sqlalchemy as sa


def is_transient(exc: BaseException) -> bool:
    """Lost or refused connections and lock timeouts; not bad SQL, not constraint violations."""
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return True
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return type(exc).__name__ in {"OperationalError", "InterfaceError", "AdminShutdown", "ConnectionFailure"}


def retry_transient(task, task_run, state) -> bool:
    """Prefect retry_condition_fn: retry only transient database errors."""
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - we only classify it
        return is_transient(exc)
    return False


RETRIES = dict(retries=3, retry_delay_seconds=[1, 2, 4], retry_condition_fn=retry_transient)
