"""The webhook benchmark, run tiny: every event delivered, its figures reported."""

from __future__ import annotations

from bench import webhooks


def test_the_webhook_benchmark_delivers_every_event_and_reports_its_figures(redis_url, tmp_path):
    result = webhooks.run(
        f"sqlite:///{tmp_path / 'bench.sqlite'}", f"{redis_url}/4", str(tmp_path), 30
    )
    assert (result["events"], result["delivered"]) == (30, 30)
    assert result["commit_to_receipt"]["n"] == 30
    figures = result["commit_to_receipt"]
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert result["deliveries_per_s"] > 0
