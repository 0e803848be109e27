"""The API's JSON answers: written fast (orjson) yet read back as the standard library wrote
them, times in RFC 3339, keys sorted, and what orjson refuses written as before."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from backend import create_app

VALUES = {
    "aware": datetime(2026, 12, 6, 9, 30, 1, 250, tzinfo=UTC),
    "naive": datetime(2026, 12, 6, 9, 30),  # the database's UTC
    "brussels": datetime(2026, 12, 6, 10, 30, tzinfo=timezone(timedelta(hours=1))),
    "day": date(2026, 12, 6),
    "price": Decimal("6.00"),
    "name": "Zoé à Liège",
    "nested": {"b": [1, 2.5, None, True], "a": {"z": 1, "y": 2}},
}
EXPECTED = {
    "aware": "2026-12-06T09:30:01.000250+00:00",
    "naive": "2026-12-06T09:30:00+00:00",
    "brussels": "2026-12-06T10:30:00+01:00",
    "day": "2026-12-06",
    "price": "6.00",
    "name": "Zoé à Liège",
    "nested": {"a": {"y": 2, "z": 1}, "b": [1, 2.5, None, True]},
}


def test_answers_read_back_as_the_standard_library_wrote_them(app_config):
    app = create_app(app_config)
    with app.app_context():
        body = app.json.response(VALUES).get_data()
        text = app.json.dumps(VALUES)
    assert body.endswith(b"\n")
    assert json.loads(body) == json.loads(text) == EXPECTED
    assert body.index(b'"aware"') < body.index(b'"brussels"') < body.index(b'"naive"')
    assert "Zoé".encode() in body  # UTF-8, not escapes


def test_what_orjson_refuses_is_written_by_the_standard_library(app_config):
    app = create_app(app_config)
    refused = {"big": 2**70, "echoed": "\ud800"}  # beyond 64 bits; a lone surrogate
    with app.app_context():
        body = app.json.response(refused).get_data()
        text = app.json.dumps(refused)
    assert json.loads(body) == json.loads(text) == refused


def test_a_lone_surrogate_in_a_request_is_refused_as_a_problem_not_a_500(client):
    answer = client.post(
        "/api/v1/auth/register",
        data='{"email": "\\ud800", "password": "x", "display_name": "\\ud800"}',
        content_type="application/json",
    )
    assert 400 <= answer.status_code < 500
    assert answer.content_type == "application/problem+json"
