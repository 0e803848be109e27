"""The API's own URLs come from its routes, in a request and outside one (tasks, the CLI)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend import create_app
from backend.urls import photo_url, scorecard_url, upload_url


@pytest.fixture(scope="module")
def bare_app():
    return create_app({"TESTING": True})


def test_urls_are_the_routes_paths_in_a_request(bare_app):
    with bare_app.test_request_context("/api/v1/me"):
        assert photo_url("p1") == "/api/v1/photos/p1"
        assert upload_url("u1") == "/api/v1/uploads/u1"
        assert scorecard_url("b1") == "/api/v1/brands/b1/scorecard"


def test_urls_are_the_same_without_a_request(bare_app):
    with bare_app.app_context():
        assert photo_url("p1") == "/api/v1/photos/p1"
        assert upload_url("u1") == "/api/v1/uploads/u1"
        assert scorecard_url("b1") == "/api/v1/brands/b1/scorecard"


def test_no_api_url_is_written_out_by_hand():
    root = Path(__file__).resolve().parents[1]
    written = re.compile(r"""["'](/api/v1/[^"']*\{)""")
    found = {
        str(path.relative_to(root))
        for path in (root / "backend").rglob("*.py")
        if written.search(path.read_text())
    }
    assert not found, "build it with backend.urls (url_for) instead"
