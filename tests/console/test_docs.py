"""/docs in a real headless Chromium: the OpenAPI 3.1 document renders from local files, every
operation listed, with no render error, no console error and nothing fetched off the origin."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from backend import create_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a local port. The page needs no database, so one backend is enough."""
    var = tmp_path_factory.mktemp("docs")
    app = create_app(
        {
            "VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'fairfield.sqlite'}",
            "BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["fairfield.db"].engine.dispose()


def operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }


def rendered(browser: Any, origin: str) -> set[tuple[str, str]]:
    """Open /docs and wait for Swagger UI; the (method, path) of every operation shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{origin}/docs")
    WebDriverWait(browser, 60).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock, .errors-wrapper, .version-pragma")
    )
    shown = set()
    for block in browser.find_elements(By.CSS_SELECTOR, ".opblock"):
        method = block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text
        path = block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute(
            "data-path"
        )
        shown.add((method, path))
    return shown


def test_the_docs_list_every_operation_without_an_error(origin: str, browser: Any) -> None:
    import json
    from urllib.request import urlopen

    from selenium.webdriver.common.by import By

    with urlopen(f"{origin}/openapi.json") as answer:  # noqa: S310  (a local URL)
        spec = json.load(answer)
    assert spec["openapi"].startswith("3.1")

    shown = rendered(browser, origin)
    assert ("POST", "/api/v1/missions/{mission_id}/claim") in shown
    assert shown == operations(spec)
    assert "Fairfield" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Unable to render" not in page
    assert browser.find_elements(By.CSS_SELECTOR, ".errors-wrapper, .version-pragma") == []

    errors = [e for e in browser.get_log("browser") if e["level"] in {"SEVERE", "WARNING"}]
    assert errors == []
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert fetched
    assert [url for url in fetched if not url.startswith(f"{origin}/")] == []


# Swagger UI's own markup, which this page cannot change without forking it: low-contrast
# method badges and version stamps, a button inside each operation's summary button, a tag
# heading level and its info block outside a landmark. Any other violation fails.
SWAGGER_UI_OWN = {"color-contrast", "nested-interactive", "heading-order", "region"}


def axe_violations(browser: Any) -> list[list[Any]]:
    """[rule id, nodes] of every axe-core violation on the page as it stands."""
    browser.execute_script(AXE.read_text())
    violations: list[list[Any]] = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map(v => [v.id, v.nodes.length])));"
    )
    return violations


def test_the_docs_page_adds_no_accessibility_violations(origin: str, browser: Any) -> None:
    rendered(browser, origin)
    assert [v for v in axe_violations(browser) if v[0] not in SWAGGER_UI_OWN] == []


def test_the_console_has_no_accessibility_violations(origin: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{origin}/#/status")
    status = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "status"))
    WebDriverWait(browser, 30).until(lambda _: status.get_attribute("aria-busy") == "false")
    assert axe_violations(browser) == []
