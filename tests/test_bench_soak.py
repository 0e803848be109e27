"""The soak's memory figures: the least reading of a window at each end, so that a process
caught in the middle of a task does not count as growth, and a climb does."""

import pytest

from bench.load.soak import KINDS, MemorySeries


def series(celery_rss: list[float], every: float = 10.0) -> MemorySeries:
    memory = MemorySeries()
    for n, rss in enumerate(celery_rss, start=1):
        memory.seconds.append(n * every)
        sample = dict.fromkeys(KINDS, rss)
        memory.samples.append({"celery": sample, "redis": dict.fromkeys(KINDS, 10.0)})
    return memory


def test_a_child_in_the_middle_of_a_task_at_the_last_reading_is_not_growth():
    # 450 MB between tasks; in a task at a third of the readings, the last among them.
    memory = series([640.0 if n % 3 == 2 else 450.0 for n in range(60)])
    report = memory.report(600.0)
    assert report["rss_growth_pct"] == {"celery": 0.0, "redis": 0.0}
    assert report["memory_at_end"]["rss_mb"]["celery"] == 450.0
    assert report["memory_at_end"]["rss_peak_mb"]["celery"] == 640.0
    assert report["rss_series_mb"]["celery"][-1] == 640.0  # kept, for the reader to see


def test_a_steady_climb_is_growth():
    memory = series([400.0 + n for n in range(60)])  # from 400 MB at 10 s, 1 MB more each 10 s
    report = memory.report(600.0)
    # Start: the samples at 30..120 s (402..411 MB); end: at 510..600 s (450..459 MB).
    assert report["memory_at_start"]["rss_mb"]["celery"] == 402.0
    assert report["memory_at_end"]["rss_mb"]["celery"] == 450.0
    assert report["rss_growth_pct"]["celery"] == pytest.approx(11.9, abs=0.1)
    assert report["memory_windows_s"] == [[30.0, 120.0], [510.0, 600.0]]


def test_a_soak_too_short_for_a_window_says_so():
    with pytest.raises(RuntimeError, match=r"no memory sample between 30\.0 and 120\.0 s"):
        series([450.0, 450.0]).report(20.0)
