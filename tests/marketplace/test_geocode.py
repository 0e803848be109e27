"""GET /geocode: a typed address to at most five points, through the configured geocoder (a
table stands in for the remote one); 404 without one, 503 when it fails, 422 naming `q`."""

from __future__ import annotations

from typing import Any

import pytest

from backend.config import BadSetting
from backend.marketplace.geocoding import make_geocoder, use_geocoder
from backend.settings import defaults_with, override_settings
from tests.support.factories import UserFactory
from tests.support.geocoder import TableGeocoder

TABLE = {
    f"Rue Neuve {n}": (f"Rue Neuve {n}, 1000 Bruxelles", 50.85 + n / 1000, 4.35) for n in range(8)
}


def test_an_address_gives_at_most_five_places_best_first(
    app: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    override_settings(app, GEOCODER="nominatim")
    geocoder = TableGeocoder(TABLE)
    use_geocoder(app, geocoder)
    headers = auth_headers(make(UserFactory))
    answer = client.get("/api/v1/geocode", query_string={"q": "  Rue Neuve "}, headers=headers)
    assert answer.status_code == 200, answer.json
    items = answer.json["items"]
    assert len(items) == 5
    assert items[0] == {
        "label": "Rue Neuve 0, 1000 Bruxelles",
        "latitude": 50.85,
        "longitude": 4.35,
    }
    assert geocoder.asked == ["Rue Neuve"]  # trimmed
    nothing = client.get("/api/v1/geocode", query_string={"q": "Nowhere"}, headers=headers)
    assert nothing.json == {"items": []}
    assert client.get("/api/v1/geocode", query_string={"q": "Rue"}).status_code == 401


def test_no_geocoder_is_404_and_the_config_says_so(
    app: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    assert client.get("/console/config.json").json["geocoder"] is False
    headers = auth_headers(make(UserFactory))
    answer = client.get("/api/v1/geocode", query_string={"q": "Rue Neuve"}, headers=headers)
    assert answer.status_code == 404
    assert answer.json["code"] == "geocoder_not_configured"
    override_settings(app, GEOCODER="nominatim")
    use_geocoder(app, TableGeocoder(TABLE))
    assert client.get("/console/config.json").json["geocoder"] is True


def test_a_failing_geocoder_is_503_and_a_bad_query_422_naming_q(
    app: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    override_settings(app, GEOCODER="nominatim")
    use_geocoder(app, TableGeocoder(TABLE, down=True))
    headers = auth_headers(make(UserFactory))
    answer = client.get("/api/v1/geocode", query_string={"q": "Rue Neuve"}, headers=headers)
    assert answer.status_code == 503
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json["code"] == "geocoder_unavailable"
    for q in ("", "   ", "x" * 201):
        bad = client.get("/api/v1/geocode", query_string={"q": q}, headers=headers)
        assert bad.status_code == 422, q
        assert "q" in bad.json["errors"], bad.json
    missing = client.get("/api/v1/geocode", headers=headers)
    assert missing.status_code == 422
    assert "q" in missing.json["errors"]


def test_the_geocoder_is_rate_limited_per_user(
    app: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    override_settings(app, GEOCODER="nominatim", GEOCODER_RATE_LIMIT="2 per minute")
    use_geocoder(app, TableGeocoder(TABLE))
    worker = make(UserFactory)
    first, second = auth_headers(worker), auth_headers(worker)  # two sessions, one user
    codes = [
        client.get("/api/v1/geocode", query_string={"q": "Rue"}, headers=h).status_code
        for h in (first, second, first)
    ]
    assert codes == [200, 200, 429]
    other = auth_headers(make(UserFactory))
    assert (
        client.get("/api/v1/geocode", query_string={"q": "Rue"}, headers=other).status_code == 200
    )


def test_the_geocoder_settings() -> None:
    assert make_geocoder(defaults_with()) is None
    made = make_geocoder(
        defaults_with(GEOCODER="Nominatim", GEOCODER_DOMAIN="nominatim.example.org:8080")
    )
    assert type(made).__name__ == "Nominatim"
    assert made.domain == "nominatim.example.org:8080"  # type: ignore[union-attr]
    assert made.headers["User-Agent"] == "fairfield"  # type: ignore[union-attr]
    for key, value in (("GEOCODER", "no-such-geocoder"), ("GEOCODER_DOMAIN", "a b;c")):
        with pytest.raises(BadSetting, match=f"FAIRFIELD_{key}"):
            defaults_with(**{key: value})


def test_a_geocoder_that_cannot_be_set_up_as_configured_is_503_not_500(
    app: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    # Nominatim takes no API key: the geocoder is made on first use, and that failure is the
    # remote service's to the worker, who picks a point on the map instead.
    override_settings(app, GEOCODER="nominatim", GEOCODER_API_KEY="not-for-nominatim")
    headers = auth_headers(make(UserFactory))
    answer = client.get("/api/v1/geocode", query_string={"q": "Rue Neuve"}, headers=headers)
    assert answer.status_code == 503, answer.json
    assert answer.json["code"] == "geocoder_unavailable"
    assert "not-for-nominatim" not in answer.get_data(as_text=True)
