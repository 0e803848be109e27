"""The console's page is served with a strict Content-Security-Policy and its neighbours;
/docs keeps its own; the console learns the map's tile URL from its config, never inline."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend import create_app
from backend.config import BadSetting
from backend.console import content_security_policy, tile_origin


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_console_page_has_a_strict_policy(client: Any) -> None:
    with client.get("/") as page:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
    policy = directives(page.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data: blob:"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Frame-Options"] == "DENY"
    # Nothing the policy would block: no inline script or style, nothing from another host.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert " style=" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert [s for s in sources if not s.startswith(("/", "#"))] == []
    for source in (s for s in sources if s.startswith("/static/")):
        with client.get(source) as asset:
            assert asset.status_code == 200, source


def test_docs_have_a_policy_of_their_own(app_config: dict[str, Any]) -> None:
    app = create_app(app_config | {"MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png"})
    try:
        for path in ("/docs", "/static/docs.html"):
            with app.test_client().get(path) as page:
                assert page.status_code == 200
                html = page.get_data(as_text=True)
            policy = directives(page.headers["Content-Security-Policy"])
            assert policy["script-src"] == "'self'"
            assert policy["style-src"] == "'self'"
            assert policy["img-src"] == "'self' data: blob:"  # no tile host: no map there
            assert policy["frame-ancestors"] == "'none'"
            assert page.headers["X-Frame-Options"] == "DENY"
            assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
            assert "<style" not in html
    finally:
        app.extensions["fairfield.db"].engine.dispose()


def test_the_console_page_is_guarded_by_whatever_path_serves_it(client: Any) -> None:
    # Its index.html is also a static file: served from there, it runs under the same policy.
    with client.get("/") as page:
        expected = page.headers["Content-Security-Policy"]
    with client.get("/static/console/index.html") as page:
        assert page.status_code == 200
        assert page.headers["Content-Security-Policy"] == expected
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Referrer-Policy"] == "no-referrer"


def test_without_tiles_the_config_says_so(client: Any) -> None:
    answer = client.get("/console/config.json")
    assert answer.json == {"map_tile_url": None, "geocoder": False}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_tile_host_is_allowed_for_images_only(app_config: dict[str, Any]) -> None:
    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    app = create_app(app_config | {"MAP_TILE_URL": tiles})
    try:
        client = app.test_client()
        with client.get("/") as page:
            policy = directives(page.headers["Content-Security-Policy"])
        assert policy["img-src"] == "'self' data: blob: https://*.tiles.example.org"
        assert policy["connect-src"] == "'self'"
        assert client.get("/console/config.json").json == {"map_tile_url": tiles, "geocoder": False}
    finally:
        app.extensions["fairfield.db"].engine.dispose()


@pytest.mark.parametrize(
    "bad",
    [
        "tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/tile.png",
        "ftp://x/{z}/{x}/{y}",
        "http://tiles.example.org/{z}/{x}/{y}.png",  # plain http only from this machine
        "https://tiles.example.org;script-src *;/{z}/{x}/{y}",  # would add a directive
        "https://tiles example.org/{z}/{x}/{y}",
        "https://tiles.example.org'/{z}/{x}/{y}",
    ],
)
def test_a_tile_url_that_is_not_a_template_stops_the_start(
    app_config: dict[str, Any], bad: str
) -> None:
    with pytest.raises(BadSetting, match="FAIRFIELD_MAP_TILE_URL"):
        create_app(app_config | {"MAP_TILE_URL": bad})


def test_the_policy_names_the_tile_host_as_given() -> None:
    assert tile_origin("") is None
    assert tile_origin("https://tiles.example.org:8443/{z}/{x}/{y}.png") == (
        "https://tiles.example.org:8443"
    )
    assert "img-src 'self' data: blob:;" in content_security_policy("")
