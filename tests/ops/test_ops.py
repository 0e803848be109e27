"""Health, readiness, metrics and structured logs."""

from __future__ import annotations

import json
import logging
import threading


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_when_everything_is_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = {"database": "ok", "broker": "ok", "object_store": "ok"}
    assert response.json == {"status": "ok", "checks": checks}


def test_readyz_is_503_when_the_photo_folder_cannot_be_written(app_config, tmp_path):
    import shutil

    from backend import create_app

    folder = tmp_path / "photos"
    app = create_app(app_config | {"PHOTO_STORE": "local", "PHOTO_DIR": str(folder)})
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_bytes(b"a disk remounted wrong: a file where the folder was")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["object_store"] == "FileExistsError"
    assert response.json["checks"]["database"] == "ok"
    app.extensions["fairfield.db"].engine.dispose()


def test_readyz_is_503_when_the_bucket_stops_answering(app_config, s3_settings):
    import boto3

    from backend import create_app
    from tests.support.services import s3_server

    with s3_server() as endpoint:  # a server of its own, to stop
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="photos")
        settings = s3_settings | {"S3_BUCKET": "photos", "S3_ENDPOINT_URL": endpoint}
        app = create_app(app_config | settings)
        up = app.test_client().get("/readyz")
        assert (up.status_code, up.json["checks"]["object_store"]) == (200, "ok")
    down = app.test_client().get("/readyz")
    assert down.status_code == 503
    assert down.json["status"] == "unavailable"
    assert down.json["checks"]["object_store"] == "EndpointConnectionError"
    assert down.json["checks"]["database"] == "ok"
    app.extensions["fairfield.db"].engine.dispose()


def test_readyz_is_503_when_the_bucket_hangs(app_config, s3_settings):
    """A bucket that takes requests and never answers: /readyz says so, rather than tying
    up a worker while the store's own client waits and retries for minutes."""
    import socket

    from backend import create_app

    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def hang() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)  # read nothing back, answer nothing

    threading.Thread(target=hang, daemon=True).start()
    endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        app = create_app(app_config | s3_settings | {"S3_ENDPOINT_URL": endpoint})
        down = app.test_client().get("/readyz")
    finally:
        listener.close()
        for conn in held:
            conn.close()
    assert down.status_code == 503
    assert down.json["checks"]["object_store"] == "ReadTimeoutError"
    assert down.json["checks"]["database"] == "ok"
    app.extensions["fairfield.db"].engine.dispose()


def test_readyz_is_503_when_the_broker_is_down(app_config):
    from backend import create_app

    app = create_app(app_config | {"BROKER_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["broker"] != "ok"
    app.extensions["fairfield.db"].engine.dispose()


def test_metrics_count_requests_by_route_not_by_path(client):
    client.get("/api/v1/admin/pipeline-checks/some-id-123")
    text = client.get("/metrics").get_data(as_text=True)
    assert "fairfield_http_requests_total" in text
    assert 'endpoint="/api/v1/admin/pipeline-checks/<check_id>"' in text
    assert "some-id-123" not in text


def test_logs_are_json_with_the_request_id(client, caplog):
    from backend.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="fairfield.access"):
        response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    record = next(r for r in caplog.records if r.name == "fairfield.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert line["status"] == 200
    assert line["path"] == "/healthz"
    assert isinstance(line["duration_ms"], float)


def test_a_bad_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert len(response.headers["X-Request-ID"]) == 32


def test_metrics_say_their_charset_once(client):
    response = client.get("/metrics")
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_the_app_request_log_has_the_path_without_the_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="fairfield.access"):
        client.get("/api/v1/missions/nearby?latitude=50.8466&longitude=4.3528&token=s3cr3t")
    record = next(r for r in caplog.records if r.name == "fairfield.access")
    assert record.path == "/api/v1/missions/nearby"
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "50.8466" not in logged
    assert "s3cr3t" not in logged
