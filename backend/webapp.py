"""The worker app: a PWA of static files under static/app/, served at `/app/`.

`/app` redirects to `/app/` (the service worker's scope and the manifest's start_url), the
app's files are served under `/app/<path>`, and the two pages the account mails link to
(`/reset-password`, `/verify-email`) are served at the paths the mails name. Their security
headers (the console's Content-Security-Policy) come from backend.console's guard.

The service worker learns what to precache from the server: `/app/sw.js` is served with the
app shell's file list and a digest of those files' contents in place of its `SHELL` line, so
any change to any shell file is a new service worker, and a file added to the app is cached
without anyone keeping a list by hand.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Flask, Response, redirect, send_from_directory

# Served with `Cache-Control: no-cache`: a phone must see a new manifest or page at once.
FRESH = ("manifest.webmanifest", "index.html")
MAIL_PAGES = {"/reset-password": "reset-password.html", "/verify-email": "verify-email.html"}
SHELL_LINE = 'const SHELL = { version: "dev", files: [] }; // filled in by backend/webapp.py'
# What the app shell is made of, as (folder under static/, URL prefix, suffixes).
SHELL_SOURCES = (
    ("app", "/app/", (".js", ".css", ".html", ".png", ".webmanifest")),
    ("common", "/static/common/", (".js", ".css")),
    ("vendor/leaflet/dist", "/static/vendor/leaflet/dist/", (".js", ".css", ".png", ".svg")),
    ("vendor/tus-js-client/dist", "/static/vendor/tus-js-client/dist/", (".js",)),
    ("vendor/topojson-client/dist", "/static/vendor/topojson-client/dist/", (".min.js",)),
    ("vendor/world-atlas", "/static/vendor/world-atlas/", ("countries-110m.json",)),
)
SKIPPED = ("sw.js", "reset-password.html", "verify-email.html")


@cache
def shell(static_dir: Path) -> tuple[str, tuple[str, ...]]:
    """The app shell's URLs and a digest of their contents (read once per process: a deploy
    restarts the process)."""
    digest = hashlib.sha256()
    urls = ["/app/"]
    for folder, prefix, suffixes in SHELL_SOURCES:
        root = static_dir / folder
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
            relative = path.relative_to(root).as_posix()
            if not path.name.endswith(suffixes) or path.name in SKIPPED:
                continue
            urls.append(prefix + relative)
            digest.update(relative.encode() + b"\0" + path.read_bytes())
    digest.update((static_dir / "app" / "sw.js").read_bytes())
    return digest.hexdigest()[:16], tuple(urls)


def service_worker(static_dir: Path) -> str:
    """sw.js with the shell's version and files written into its SHELL line."""
    version, urls = shell(static_dir)
    text = (static_dir / "app" / "sw.js").read_text(encoding="utf-8")
    filled = "const SHELL = " + json.dumps({"version": version, "files": list(urls)}) + ";"
    return text.replace(SHELL_LINE, filled)


def register_webapp(app: Flask, static_dir: Path) -> None:
    """Serve the worker app at `/app/` and the pages the account mails open."""
    app_dir = static_dir / "app"

    def serve(filename: str) -> Response:
        if filename == "sw.js":
            response = Response(service_worker(static_dir), mimetype="text/javascript")
            response.headers["Cache-Control"] = "no-cache"
            return response
        response = send_from_directory(app_dir, filename)
        if filename.endswith(".webmanifest"):
            response.mimetype = "application/manifest+json"
        if filename in FRESH or filename.endswith(".html"):
            response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/app")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def webapp_root() -> Response:
        return redirect("/app/", code=301)  # type: ignore[return-value]

    @app.get("/app/")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def webapp() -> Response:
        return serve("index.html")

    @app.get("/app/<path:filename>")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def webapp_files(filename: str) -> Response:
        return serve(filename)

    @app.get("/reset-password")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def reset_password_page() -> Response:
        return serve(MAIL_PAGES["/reset-password"])

    @app.get("/verify-email")
    @app.doc(hide=True)  # type: ignore[attr-defined]
    def verify_email_page() -> Response:
        return serve(MAIL_PAGES["/verify-email"])
