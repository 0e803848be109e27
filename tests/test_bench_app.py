"""The app benchmark's shell list: read from the sw.js the server fills in, scripts and
stylesheets picked by path whatever the URL's origin or query."""

from __future__ import annotations

import pytest

from backend import STATIC_DIR
from backend.webapp import service_worker, shell
from bench.app import code_paths, shell_files


def test_shell_files_are_what_the_served_service_worker_precaches() -> None:
    files = shell_files(service_worker(STATIC_DIR))
    assert files == list(shell(STATIC_DIR)[1])
    assert "/app/" in files
    assert "/app/js/app.js" in files


def test_a_service_worker_without_its_shell_line_is_refused() -> None:
    with pytest.raises(ValueError, match="SHELL"):
        shell_files("self.addEventListener('fetch', () => {});")


def test_code_keeps_scripts_and_stylesheets_by_path() -> None:
    urls = [
        "http://127.0.0.1:5000/app/js/app.js",
        "http://127.0.0.1:5000/app/js/app.js?v=2",
        "/app/css/app.css",
        "/app/icons/icon-192.png",
        "/app/",
        "http://127.0.0.1:5000/api/v1/me",
    ]
    assert code_paths(urls) == ["/app/css/app.css", "/app/js/app.js"]
