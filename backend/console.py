"""The web console: its page at `/`, the config it reads, and the headers that guard it.

The console is static files under static/console/ talking to the public API. Its page gets a
strict Content-Security-Policy: scripts and styles from this origin only (no inline script,
no eval), images from here plus the map's tile host when one is configured, no framing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request, send_from_directory

from backend.settings import settings_of

# Pages the policy guards whatever they answer: the console's document, the worker app (every
# path under /app/, its redirect included) and the pages the account mails link to.
GUARDED = ("/", "/app", "/app/", "/reset-password", "/verify-email", "/invite")
# The API reference (Swagger UI) has a policy of its own: the same origin-only rules, no tiles.
DOCS = ("/docs", "/static/docs.html")


def tile_origin(tile_url: str) -> str | None:
    """The scheme and host of a Leaflet tile URL template; None when there is none. A
    `{s}` subdomain placeholder becomes a wildcard, as CSP writes it."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "subdomain"))
    host = (parts.netloc or "").replace("subdomain", "*")
    return f"{parts.scheme}://{host}" if host else None


def content_security_policy(tile_url: str) -> str:
    """The console's policy: everything from this origin; images also from the tile host."""
    images = ["'self'", "data:", "blob:"]
    origin = tile_origin(tile_url)
    if origin:
        images.append(origin)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def console_config(app: Flask) -> dict[str, Any]:
    """What the console needs to know of the server's settings (no secret among them)."""
    settings = settings_of(app)
    # The app shows its address field only when the server can search addresses.
    return {"map_tile_url": settings.map_tile_url or None, "geocoder": bool(settings.geocoder)}


def register_console(app: Flask, static_dir: Path) -> None:
    """Serve the console at `/`, its config and the invitation page (`/invite`), and guard
    its pages with security headers."""
    console_dir = static_dir / "console"
    policy = content_security_policy(settings_of(app).map_tile_url)

    @app.get("/")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def console() -> Response:
        return send_from_directory(console_dir, "index.html")

    @app.get("/invite")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def invite_page() -> Response:
        # The invitation mail's link: the page reads its token, then drops it from the address.
        response = send_from_directory(console_dir, "invite.html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/console/config.json")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def config() -> dict[str, Any]:
        return console_config(app)

    docs_policy = content_security_policy("")

    @app.after_request
    def _guard(response: Response) -> Response:
        # Every page is guarded, whatever path serves it (the console's index.html is also a
        # static file): a page without the policy would run the console with none.
        # Under /app/ that is every HTML file of the worker app, whatever its name.
        if request.path in GUARDED or response.mimetype == "text/html":
            guarded = docs_policy if request.path in DOCS else policy
            response.headers["Content-Security-Policy"] = guarded
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Referrer-Policy"] = "no-referrer"
        if request.path in GUARDED or request.path.startswith(("/static/", "/console/", "/app/")):
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response
