"""GET /missions/nearby reads a query of plain numbers itself (NearbyQuery.load): it must
read exactly what marshmallow reads, and leave every other query to marshmallow's errors."""

from __future__ import annotations

import random

import pytest
from apiflask import Schema
from marshmallow import EXCLUDE, ValidationError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from backend.marketplace.schemas import NearbyQuery, _plain_nearby_query
from tests.support.factories import UserFactory

ODD = [
    *("0", "1", "-1", "-0", "007", "90", "90.0", "-90", "90.0000001", "-90.1", "180", "-180"),
    *("181", "0.5", "1.", ".5", "1e3", "1E1", " 1", "1 ", "+1", "nan", "inf", "-inf", ""),
    *("abc", "5000", "5000.0", "50000", "50001", "100", "101", "20", "1_0", "0x10", "True"),
    *("12345678901234567890.5", "1234567890123", "\u0661", "4\u0662"),
]
NAMES = ("latitude", "longitude", "radius_m", "limit", "other")


def _random_query(rng: random.Random) -> MultiDict[str, str]:
    query: MultiDict[str, str] = MultiDict()
    for name in NAMES:
        for _ in range(rng.choice((0, 1, 1, 1, 1, 2))):  # absent, once, or repeated
            if rng.random() < 0.3:
                value = rng.choice(ODD)
            else:
                value = rng.choice(
                    (f"{rng.uniform(-200, 200):.6f}", str(rng.randint(-5, 60_000)), "20")
                )
            query.add(name, value)
    return query


def _marshmallow(schema: NearbyQuery, data: MultiDictProxy) -> tuple[object, object]:
    try:
        return Schema.load(schema, data, unknown=EXCLUDE), None
    except ValidationError as error:
        return None, error.messages


def _ours(schema: NearbyQuery, data: MultiDictProxy) -> tuple[object, object]:
    try:
        return schema.load(data, unknown=EXCLUDE), None
    except ValidationError as error:
        return None, error.messages


def test_a_plain_query_reads_as_marshmallow_reads_it_and_any_other_fails_as_it_does():
    schema = NearbyQuery()
    rng = random.Random(19)
    plain = 0
    for _ in range(5000):
        data = MultiDictProxy(_random_query(rng), schema)
        expected = _marshmallow(schema, data)
        fast = _plain_nearby_query(data)
        if fast is not None:
            plain += 1
            assert expected == (fast, None), data
            assert {k: type(v) for k, v in fast.items()} == {
                k: type(v) for k, v in expected[0].items()
            }
        assert _ours(schema, data) == expected, data
    assert plain > 100  # the generator does reach the plain path


@pytest.mark.parametrize(
    "query",
    [
        {"latitude": "50.85", "longitude": "4.35"},
        {"latitude": "50", "longitude": "-4", "radius_m": "50000", "limit": "100"},
        {"latitude": "-90", "longitude": "180", "radius_m": "1", "limit": "1", "x": "y"},
    ],
)
def test_the_plain_path_is_taken_for_plain_numbers(query):
    schema = NearbyQuery()
    data = MultiDictProxy(MultiDict(query), schema)
    assert _plain_nearby_query(data) == Schema.load(schema, data, unknown=EXCLUDE)


def test_bad_queries_answer_the_same_problem_naming_the_field(client, make, auth_headers):
    headers = auth_headers(make(UserFactory))
    between = "Must be greater than or equal to {} and less than or equal to {}."
    for bad, errors in (
        ({"latitude": "200", "longitude": "0"}, {"latitude": [between.format(-90, 90)]}),
        (
            {"latitude": "1e400", "longitude": "0"},
            {"latitude": ["Special numeric values (nan or infinity) are not permitted."]},
        ),
        ({"latitude": "0", "longitude": " 4x"}, {"longitude": ["Not a valid number."]}),
        (
            {"latitude": "0", "longitude": "0", "radius_m": "5000.0"},
            {"radius_m": ["Not a valid integer."]},
        ),
        ({"latitude": "0", "longitude": "0", "limit": "0"}, {"limit": [between.format(1, 100)]}),
        ({"longitude": "0"}, {"latitude": ["Missing data for required field."]}),
    ):
        response = client.get("/api/v1/missions/nearby", query_string=bad, headers=headers)
        assert response.status_code == 422, bad
        assert response.mimetype == "application/problem+json"
        assert (response.json["code"], response.json["errors"]) == ("validation_error", errors)
