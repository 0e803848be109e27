"""What a task inherits from the request that sent it: the request id and the W3C trace
context, carried as Celery message headers (stored in the outbox row until it is sent)."""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery import Task, signals

from backend.logs import current_request_id, task_request_id
from backend.observe import tracing

REQUEST_ID = "request_id"

# A running task's context tokens, by task id, from its prerun to its postrun.
_running: dict[str, tuple[Token[str | None], Any]] = {}


def capture() -> dict[str, str] | None:
    """The headers a task sent from here should carry; None when there is nothing to carry."""
    carrier: dict[str, str] = {}
    request_id = current_request_id()
    if request_id is not None:
        carrier[REQUEST_ID] = request_id
    tracing.inject(carrier)
    return carrier or None


def _before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    # A task sent directly (not through the outbox), or an outbox row written outside any
    # request: what the sender knows now. A row's stored context is never overwritten.
    if headers is None:
        return
    for key, value in (capture() or {}).items():
        headers.setdefault(key, value)


def _task_prerun(task_id: str, task: Task, **_: Any) -> None:
    request_id = task.request.get(REQUEST_ID)
    token = task_request_id.set(str(request_id) if request_id else None)
    _running[task_id] = (token, tracing.start_task_span(task))


def _task_failure(task_id: str, exception: BaseException, **_: Any) -> None:
    running = _running.get(task_id)
    if running is not None:
        tracing.record_failure(running[1], exception)


def _task_postrun(task_id: str, **_: Any) -> None:
    running = _running.pop(task_id, None)
    if running is not None:
        token, span = running
        tracing.end_task_span(span)
        try:
            task_request_id.reset(token)
        except ValueError:  # set in another context (a pool that switched): just clear it
            task_request_id.set(None)


def connect() -> None:
    """Connect the handlers to Celery's signals, once per process."""
    for signal, handler in (
        (signals.before_task_publish, _before_publish),
        (signals.task_prerun, _task_prerun),
        (signals.task_failure, _task_failure),
        (signals.task_postrun, _task_postrun),
    ):
        signal.connect(handler, weak=False, dispatch_uid=f"fairfield.observe.{handler.__name__}")
