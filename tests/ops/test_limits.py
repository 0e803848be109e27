"""Rate limits are shared by every process when the broker is Redis: no other setting needed."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import redis

from backend import create_app


def _logins(app, n):
    client = app.test_client()
    return [
        client.post("/api/v1/auth/token", json={"email": "a@b.io", "password": "x"}).status_code
        for _ in range(n)
    ]


def _logins_in_another_process(config, n):
    """n logins from a process of its own, as a second gunicorn worker or node makes them."""
    app = create_app(config)
    try:
        return _logins(app, n)
    finally:
        app.extensions["fairfield.db"].engine.dispose()


def test_two_app_processes_share_one_limit_through_the_redis_broker(app_config):
    config = app_config | {"LOGIN_RATE_LIMIT": "3 per minute"}
    assert config["BROKER_URL"].startswith("redis://")
    assert "RATELIMIT_STORAGE_URL" not in config
    redis.Redis.from_url(config["BROKER_URL"]).flushdb()  # no count left by an earlier run
    spawn = multiprocessing.get_context("spawn")
    statuses = []
    for _ in range(2):  # one process after the other, each with its own memory
        with ProcessPoolExecutor(1, mp_context=spawn) as process:
            statuses += process.submit(_logins_in_another_process, config, 2).result(120)
    assert statuses == [401, 401, 401, 429]


def test_without_redis_each_process_counts_alone_and_a_setting_wins(app_config, redis_url):
    local = create_app(app_config | {"BROKER_URL": "sqla+sqlite:///:memory:"})
    assert local.config["RATELIMIT_STORAGE_URL"] == "memory://"
    chosen = f"{redis_url}/5"
    named = create_app(app_config | {"RATELIMIT_STORAGE_URL": chosen})
    assert named.config["RATELIMIT_STORAGE_URI"] == chosen
    for app in (local, named):
        app.extensions["fairfield.db"].engine.dispose()


def test_limits_fall_back_to_memory_when_the_redis_broker_is_down(app_config):
    app = create_app(app_config | {"BROKER_URL": "redis://127.0.0.1:1/0"})
    try:
        assert _logins(app, 1) == [401]  # not a 500: the login is still checked and limited
    finally:
        app.extensions["fairfield.db"].engine.dispose()
