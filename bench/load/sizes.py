"""The load section's knobs and fixed figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
P99_LIMIT_MS, THINK_S = 500.0, (0.2, 0.6)
FIXED = {"brand": 1, "admin": 1}  # throughout; the steps add workers
# Stores within about 100 m of the photos' GPS (their EXIF), inside the 150 m geofence.
SPREAD_DEG, CAMPAIGNS, REWARD = 0.0009, 20, 600
CELERY_CONCURRENCY, WARM, CHUNKS, SETTLE_S = 2, 2, 2, 300.0
PENDING = ("received", "validating")


@dataclass(frozen=True)
class Sizes:
    """The knobs of a run (BENCH_LOAD_* in bench/__main__.py)."""

    step_s: float
    users_step: int
    max_steps: int
    pairs: int  # photo pairs in the pool
    missions: int
    rounds: int  # each operation's calls when measured alone
    submissions: int  # submissions measured alone
    soak_s: float  # 0: no soak
    faults_s: float = 0.0  # the soak's fault stretch after it (PostgreSQL); 0: none
