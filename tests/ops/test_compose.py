"""docker-compose.yml lays out the topology the README draws (no Docker engine runs here: the
file is read as YAML, anchors and merges resolved as Compose resolves them)."""

from __future__ import annotations

import yaml

from tests.support.processes import ROOT

APP = ("api-1", "api-2", "worker-1", "worker-2", "beat")


def _services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_two_api_nodes_two_workers_one_beat_behind_pgbouncer_with_a_bucket():
    services = _services()
    assert {"postgres", "pgbouncer", "redis", "minio", "bucket", "migrate", "lb"} < set(services)
    assert [n for n, s in services.items() if "beat" in s.get("command", [])] == ["beat"]
    workers = [n for n, s in services.items() if "worker" in s.get("command", [])]
    assert workers == ["worker-1", "worker-2"]
    assert [n for n, s in services.items() if "gunicorn" in s.get("command", [])] == [
        "api-1",
        "api-2",
    ]
    for name in APP:
        env = services[name]["environment"]
        assert env["FAIRFIELD_PHOTO_STORE"] == "s3", name
        assert env["FAIRFIELD_DB_POOLER"] == "pgbouncer", name
        assert "@pgbouncer:" in env["FAIRFIELD_DATABASE_URL"], name
        assert env["FAIRFIELD_S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "FAIRFIELD_S3_BUCKET"} <= set(env)
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    # Migrations need a session of their own: straight to PostgreSQL, not through the pool.
    assert "@postgres:" in services["migrate"]["environment"]["FAIRFIELD_DATABASE_URL"]
    assert services["migrate"]["environment"]["FAIRFIELD_DB_POOLER"] == "none"
    # Each node names its own erasure log file: no two share a hostname.
    assert len({services[name]["hostname"] for name in APP}) == len(APP)
