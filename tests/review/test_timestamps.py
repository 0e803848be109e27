"""Every timestamp the API emits is ISO 8601 with an offset (RFC 3339), whether a schema's
date-time field or a value inside a free-form object such as the review queue's evidence."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from flask import jsonify

from tests.support.factories import UserFactory

RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
TIME_KEY = re.compile(r"(^|_)(at|since)$")  # created_at, in_review_since, the audit log's at


def with_offset(value: str) -> bool:
    return bool(RFC3339.fullmatch(value)) and datetime.fromisoformat(value).tzinfo is not None


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def declared_times(spec: dict[str, Any], schema: dict[str, Any], value: Any, path: str) -> Iterator:
    """(path, value) of every value the document declares a date-time."""
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from declared_times(spec, option, value, path)
    if schema.get("format") == "date-time" and value is not None:
        yield path, value
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in schema.get("properties", {}):
                yield from declared_times(spec, schema["properties"][key], sub, f"{path}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                extra = schema["additionalProperties"]
                yield from declared_times(spec, extra, sub, f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, sub in enumerate(value):
            yield from declared_times(spec, schema["items"], sub, f"{path}.{index}")


def named_times(value: Any, path: str = "") -> Iterator:
    """(path, value) of every value whose key names a time, in free-form objects too."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if TIME_KEY.search(key) and sub is not None:
                yield f"{path}.{key}", sub
            yield from named_times(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from named_times(sub, f"{path}.{index}")


def test_the_document_declares_every_timestamp_a_date_time(client):
    """Walk the OpenAPI document: a property named for a time is a date-time, never a bare
    string or number, so that clients parse it as one."""
    spec = client.get("/openapi.json").json
    found, wrong = 0, []

    def walk(node: Any, where: str) -> None:
        nonlocal found
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if TIME_KEY.search(name) and "$ref" not in prop:
                    found += 1
                    if prop.get("format") != "date-time":
                        wrong.append(f"{where}.{name}")
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                walk(sub, f"{where}/{index}")

    walk(spec, "")
    assert found > 20
    assert wrong == []


class Checked:
    """Calls the API and checks each answer's timestamps, by the document and by name."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.spec = client.get("/openapi.json").json
        self.seen = 0

    def __call__(self, method: str, path: str, template: str, **kwargs: Any) -> Any:
        response = self.client.open(path, method=method, **kwargs)
        assert response.status_code < 300, (path, response.json)
        operation = self.spec["paths"][f"/api/v1{template}"][method.lower()]
        content = operation["responses"][str(response.status_code)]["content"]
        schema = content["application/json"]["schema"]
        times = dict(named_times(response.json))
        times |= dict(declared_times(self.spec, schema, response.json, ""))
        bad = {where: value for where, value in times.items() if not with_offset(value)}
        assert bad == {}, (path, bad)
        self.seen += len(times)
        return response


def test_every_timestamp_in_answers_is_iso_8601_with_an_offset(
    client, make, auth_headers, in_review, admin
):
    check = Checked(client)
    waiting = in_review()
    worker, sid = waiting.claimed.headers, waiting.submission_id
    first, second = admin(), admin()
    brand = auth_headers(make(UserFactory, role="brand", brand=waiting.claimed.brand))

    queue = check("GET", "/api/v1/review/queue", "/review/queue", headers=first)
    (item,) = queue.json["items"]
    assert with_offset(item["evidence"]["captured_at"])  # was an HTTP date

    check("GET", f"/api/v1/submissions/{sid}", "/submissions/{submission_id}", headers=worker)
    check("GET", "/api/v1/me/assignments", "/me/assignments", headers=worker)
    check(
        "POST",
        f"/api/v1/submissions/{sid}/decision",
        "/submissions/{submission_id}/decision",
        headers=first,
        json={"decision": "reject", "reason_code": "missing_products", "comment": "No PAD-2."},
    )
    check(
        "POST",
        f"/api/v1/submissions/{sid}/appeal",
        "/submissions/{submission_id}/appeal",
        headers=worker,
        json={"message": "PAD-2 is on the bottom shelf."},
    )
    (appeal,) = check("GET", "/api/v1/appeals", "/appeals", headers=second).json["items"]
    check(
        "POST",
        f"/api/v1/appeals/{appeal['id']}/decision",
        "/appeals/{appeal_id}/decision",
        headers=second,
        json={"decision": "approve"},
    )
    check("GET", f"/api/v1/submissions/{sid}", "/submissions/{submission_id}", headers=worker)
    check("GET", "/api/v1/me/earnings", "/me/earnings", headers=worker)
    check("GET", "/api/v1/me/export", "/me/export", headers=worker)
    check("GET", "/api/v1/campaigns", "/campaigns", headers=brand)
    mission = check(
        "GET",
        f"/api/v1/missions/{waiting.claimed.mission_id}",
        "/missions/{mission_id}",
        headers=worker,
    )
    assert mission.json
    assert check.seen > 20


def test_the_json_provider_writes_times_as_iso_8601_with_an_offset(app):
    """A time put in an answer by hand (a dict, not a schema) is RFC 3339 too; a naive one is
    UTC, as the database stores every time."""
    cet = timezone(timedelta(hours=1))
    with app.test_request_context():
        body = jsonify(
            {
                "naive": datetime(2026, 12, 5, 13, 0, 0),
                "utc": datetime(2026, 12, 5, 13, 0, 0, 250_000, tzinfo=UTC),
                "cet": datetime(2026, 12, 5, 14, 0, 0, tzinfo=cet),
                "day": date(2026, 12, 5),
            }
        ).get_data(as_text=True)
    assert json.loads(body) == {
        "naive": "2026-12-05T13:00:00+00:00",
        "utc": "2026-12-05T13:00:00.250000+00:00",
        "cet": "2026-12-05T14:00:00+01:00",
        "day": "2026-12-05",
    }
