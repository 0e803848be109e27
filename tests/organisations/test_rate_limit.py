"""Each API key has its own rate limit (FAIRFIELD_API_KEY_RATE_LIMIT): past it, 429
`rate_limited`, while another key of the same organisation goes on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.organisations.helpers import API, key_headers, owner_with_stores


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "API_KEY_RATE_LIMIT": "3 per minute"}


def test_a_key_past_its_limit_gets_429_and_another_key_goes_on(client, make, auth_headers):
    _owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    first_h, _ = key_headers(client, owner_h, ["stores:read"])
    second_h, _ = key_headers(client, owner_h, ["stores:read"])
    answers = [client.get(f"{API}/stores", headers=first_h).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get(f"{API}/stores", headers=first_h)
    assert limited.json["code"] == "rate_limited"
    assert client.get(f"{API}/stores", headers=second_h).status_code == 200
    assert client.get(f"{API}/stores", headers=owner_h).status_code == 200  # members are not keys
