"""gunicorn settings: `make run` (the Procfile) and the image start the API with this file.

The address and the number of workers are given on the command line.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

# Query strings carry positions (the nearby search), tokens and signed photo links: the access
# log shows the path (%(U)s) and never the query (%(q)s), the request line (%(r)s) or the
# referer (%(f)s), which may hold a query of its own.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

_QUERY = re.compile(r"\?\S*")


class _NoQueryStrings(logging.Filter):
    """gunicorn's error log names the URI of a request that failed: keep its path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


logging.getLogger("gunicorn.error").addFilter(_NoQueryStrings())


def on_starting(server: Any) -> None:
    """Every worker writes its metrics to one folder, emptied here: /metrics adds them up."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        var = Path(os.environ.get("FAIRFIELD_VAR_DIR") or "./var").expanduser().resolve()
        folder = str(var / "prometheus")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # workers inherit it when forked
    Path(folder).mkdir(parents=True, exist_ok=True)
    # Counts of an earlier run would add to this one's.
    for stale in Path(folder).glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker gone: its counters stay in the sum, its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
