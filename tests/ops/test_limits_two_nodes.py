"""Two API nodes (two gunicorns, each its own processes and memory) on one Redis: requests
alternating between them meet 429 at the same count as requests to one node would."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.support.factories import UserFactory
from tests.support.load import gunicorn

pytestmark = pytest.mark.integration

# FAIRFIELD_LOGIN_RATE_LIMIT and FAIRFIELD_API_KEY_RATE_LIMIT, per hour: the windows are
# fixed, and a minute's edge falling within a sequence would start its count over.
LIMIT = 4


def send(url: str, *, body: Any = None, headers: dict[str, str] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (a local test server)
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def first_429(statuses: list[int]) -> int | None:
    """How many requests were answered before the first 429."""
    return statuses.index(429) if 429 in statuses else None


@pytest.fixture
def nodes(app_config, backend_name, tmp_path):
    if backend_name == "sqlite":
        pytest.skip("the limits live in Redis, whatever the database; SQLite is one machine")
    config = app_config | {
        "LOGIN_RATE_LIMIT": f"{LIMIT} per hour",
        "API_KEY_RATE_LIMIT": f"{LIMIT} per hour",
        "PROXY_COUNT": 1,  # each sequence below comes from an address of its own
    }
    assert "RATELIMIT_STORAGE_URL" not in config  # shared through the Redis broker alone
    with (
        gunicorn(config, tmp_path / "node-a.log", workers=1) as a,
        gunicorn(config, tmp_path / "node-b.log", workers=1) as b,
    ):
        yield a, b


def test_alternating_nodes_meet_the_limit_where_one_node_does(nodes, client, make, auth_headers):
    a, b = nodes
    addresses = (f"203.0.113.{n}" for n in itertools.count(1))

    def sequence(bases: tuple[str, ...], path: str, **kwargs: Any) -> list[int]:
        """Twice LIMIT requests, cycling through the nodes, from one address of their own."""
        origin = {"X-Forwarded-For": next(addresses)}
        headers = {**kwargs.pop("headers", {}), **origin}
        return [
            send(f"{base}{path}", headers=headers, **kwargs)
            for base in itertools.islice(itertools.cycle(bases), 2 * LIMIT)
        ]

    # Sign-in, limited per address and per email.
    one = sequence((a,), "/auth/token", body={"email": "one@example.org", "password": "no"})
    both = sequence((a, b), "/auth/token", body={"email": "two@example.org", "password": "no"})
    assert one == [401] * LIMIT + [429] * LIMIT
    assert both == one
    # The same email from a new address each time: the per-email limit is shared too.
    by_email = [
        send(
            f"{base}/auth/token",
            body={"email": "three@example.org", "password": "no"},
            headers={"X-Forwarded-For": next(addresses)},
        )
        for base in itertools.islice(itertools.cycle((a, b)), 2 * LIMIT)
    ]
    assert first_429(by_email) == LIMIT

    # Joining by invitation (how a member signs up), limited per address.
    body = {"password": "a long enough passphrase", "display_name": "Nobody"}
    one = sequence((a,), "/invites/no-such-token/accept", body=body)
    both = sequence((a, b), "/invites/no-such-token/accept", body=body)
    assert one == [404] * LIMIT + [429] * LIMIT
    assert both == one

    # An API key, limited per key whichever node it calls.
    owner = auth_headers(make(UserFactory, brand_user=True))
    keys = []
    for _ in range(2):
        scopes = {"name": "ERP", "scopes": ["stores:read"]}
        made = client.post("/api/v1/api-keys", json=scopes, headers=owner)
        assert made.status_code == 201, made.json
        keys.append({"Authorization": f"Bearer {made.json['key']}"})
    one = sequence((a,), "/stores", headers=keys[0])
    both = sequence((a, b), "/stores", headers=keys[1])
    assert one == [200] * LIMIT + [429] * LIMIT
    assert both == one
