"""Seeing what a worker process wrote: its JSON log lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON log lines of a process's output (Celery's banner and plain lines skipped)."""
    lines = []
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines
