"""The OpenAPI document is valid OpenAPI 3.1, complete, states the limits this server is
configured with, and /docs renders it from local files."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from backend import create_app
from backend.openapi import configured_limits
from backend.settings import settings_of

ROOT = Path(__file__).resolve().parent.parent


def test_openapi_document_is_valid(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_api_route_is_documented(app, client):
    documented = set(client.get("/openapi.json").json["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            assert path in documented, path


def test_error_responses_are_documented_as_problem_json(client):
    spec = client.get("/openapi.json").json
    token = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert "application/problem+json" in token["401"]["content"]
    assert "application/problem+json" in token["422"]["content"]


def test_docs_page_loads_only_local_vendored_assets(client):
    with client.get("/docs") as page:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in sources
    assert [s for s in sources if not s.startswith("/")] == []  # no CDN, no other host
    for source in sources:
        with client.get(source) as asset:
            assert asset.status_code == 200, source
    with client.get("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js") as asset:
        assert len(asset.data) > 100_000
    # Vendored with their licences, at the versions the script pins.
    for package in ("swagger-ui-dist", "axe-core", "leaflet", "world-atlas", "topojson-client"):
        assert (ROOT / "static" / "vendor" / package / "LICENSE").is_file()
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "vendor-frontend"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_every_schema_is_registered_once(app):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # apispec warns when a schema is added twice
        with app.test_request_context():
            spec = app._get_spec(force_update=True)
    names = set(spec["components"]["schemas"])
    assert {n for n in names if re.fullmatch(r".*\D\d+", n)} == set()  # no MissionOut1
    refs = set(re.findall(r"#/components/schemas/(\w+)", str(spec)))
    assert refs <= names


NON_DEFAULT = {"SUBMISSION_MAX_PHOTOS": 4, "PHOTO_MAX_BYTES": 5_000_000, "MAX_BODY_BYTES": 12_345}


@pytest.fixture
def tuned(app_config: dict[str, Any]) -> Any:
    application = create_app(app_config | NON_DEFAULT)
    yield application
    application.extensions["fairfield.db"].engine.dispose()


def test_the_document_states_the_configured_limits(tuned):
    spec = tuned.test_client().get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    limits = configured_limits(settings_of(tuned))
    assert limits[("CampaignIn", "photos_required")] == {"maximum": 4}
    assert limits[("PhotoDeclared", "size")] == {"maximum": 5_000_000}
    for (schema, prop), bounds in limits.items():
        field = schemas[schema]["properties"][prop]
        assert {k: field[k] for k in bounds} == bounds, (schema, prop)
    # Every request shape carrying photos_required (creating or editing a campaign).
    for name, schema in schemas.items():
        field = schema.get("properties", {}).get("photos_required")
        if field is not None and "maximum" in field:
            assert field["maximum"] == 4, name
    # An answer may show a campaign made under a higher setting: it states no bound.
    assert "maximum" not in schemas["CampaignOut"]["properties"]["photos_required"]
    # Every body may be refused for its size, at the configured size.
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                assert "12345 bytes" in operation["responses"]["413"]["description"], (path, method)


def test_the_server_refuses_what_the_document_refuses(tuned, make, auth_headers):
    """photos_required: the document's maximum is the server's, one above is a 422."""
    from tests.support.factories import StoreFactory, UserFactory

    spec = tuned.test_client().get("/openapi.json").json
    most = spec["components"]["schemas"]["CampaignIn"]["properties"]["photos_required"]["maximum"]
    brand = make(UserFactory, brand_user=True)
    store = make(StoreFactory, brand_id=brand.brand_id)
    headers = auth_headers(brand)
    client = tuned.test_client()
    for photos, status in ((most, 201), (most + 1, 422)):
        response = client.post(
            "/api/v1/campaigns",
            headers=headers,
            json={
                "name": "Shelf check",
                "products": [{"sku": "A-1", "name": "Oat drink"}],
                "photos_required": photos,
                "reward": {"amount_minor": 2000, "currency": "EUR"},
                "est_minutes": 15,
                "starts_at": "2030-01-01T08:00:00+00:00",
                "ends_at": "2030-02-01T08:00:00+00:00",
                "store_ids": [store.id],
            },
        )
        assert response.status_code == status, response.json
        if status == 422:
            assert "photos_required" in response.json["errors"]


def test_console_placeholder_is_served(client):
    with client.get("/") as page:
        assert page.status_code == 200
        assert "Fairfield" in page.get_data(as_text=True)
