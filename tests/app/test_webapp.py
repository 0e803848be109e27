"""The worker app is served at /app/ with the console's policy: a redirect from /app, an
installable manifest with its icons, a service worker that knows the shell it caches, and the
pages the account mails link to."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from PIL import Image


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_app_redirects_to_its_scope(client: Any) -> None:
    answer = client.get("/app")
    assert answer.status_code == 301
    assert answer.headers["Location"].endswith("/app/")


def test_the_shell_is_guarded_like_the_console(client: Any) -> None:
    with client.get("/") as page:
        console = page.headers["Content-Security-Policy"]
    with client.get("/app/") as page:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"] == console
    assert directives(console)["script-src"] == "'self'"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html
    # Nothing the policy would block: no inline script or style.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert " style=" not in html
    # Every HTML file under /app/ is guarded, whatever its name.
    for path in ("/app/index.html", "/app/reset-password.html"):
        with client.get(path) as other:
            assert other.status_code == 200
            assert other.headers["Content-Security-Policy"] == console, path


def test_the_manifest_makes_the_app_installable(client: Any) -> None:
    with client.get("/app/manifest.webmanifest") as answer:
        assert answer.status_code == 200
        assert answer.mimetype == "application/manifest+json"
        manifest = json.loads(answer.get_data(as_text=True))
    assert manifest["start_url"] == "/app/"
    assert manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
    assert manifest["name"]
    assert manifest["short_name"]
    assert manifest["theme_color"]
    shown = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= shown
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as png:
            assert png.status_code == 200
            assert png.mimetype == "image/png"
            image = Image.open(io.BytesIO(png.get_data()))
        assert f"{image.width}x{image.height}" == icon["sizes"]


def test_the_service_worker_knows_its_shell_and_every_file_of_it_answers(client: Any) -> None:
    with client.get("/app/sw.js") as answer:
        assert answer.status_code == 200
        assert answer.mimetype == "text/javascript"
        assert answer.headers["Cache-Control"] == "no-cache"
        script = answer.get_data(as_text=True)
    shell = json.loads(re.search(r"const SHELL = (\{.*\});", script).group(1))  # type: ignore[union-attr]
    assert re.fullmatch(r"[0-9a-f]{16}", shell["version"])
    files = shell["files"]
    for needed in (
        "/app/",
        "/app/js/app.js",
        "/app/css/app.css",
        "/app/strings/fr.js",
        "/app/manifest.webmanifest",
        "/static/common/js/api.js",
        "/static/common/js/i18n.js",
        "/static/vendor/leaflet/dist/leaflet.js",
    ):
        assert needed in files
    assert not [f for f in files if f.startswith("/api/")]  # no API answer is ever cached
    for url in files:  # cache.addAll fails whole if one fails
        with client.get(url) as file:
            assert file.status_code == 200, url


def test_mail_link_pages_keep_their_token_to_themselves(client: Any) -> None:
    with client.get("/") as page:
        console = page.headers["Content-Security-Policy"]
    for path in ("/reset-password?token=abc", "/verify-email?token=abc"):
        with client.get(path) as page:
            assert page.status_code == 200, path
            html = page.get_data(as_text=True)
        assert page.headers["Content-Security-Policy"] == console
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert '<script type="module" src="/app/js/mail-link.js"></script>' in html
