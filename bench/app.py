"""The worker app's first screen on a throttled phone in headless Chromium: what its shell
weighs in scripts and stylesheets, and how long a signed-in worker waits for the home screen
cold (a fresh profile) and warm (the service worker installed, its cache filled)."""

from __future__ import annotations

import gzip
import itertools
import json
import statistics
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import websocket

from backend.accounts.models import Brand
from backend.kernel.ids import new_id
from bench.common import bench_app
from tests.support.app import PHONE
from tests.support.browser import chromium
from tests.support.load import bulk_workers, gunicorn, post
from tests.support.submitting import BRUSSELS
from tests.support.world import build

ROUNDS = 5
BUDGET_BYTES = 150 * 1024
BUDGET_MS = {"cold": 4000, "warm": 1500}
# The acceptance's profile: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up (bytes/s here).
THROTTLE = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
CLAIMS = 3
# Usable: the home screen (the app's first screen after sign-in) drawn with its data: the
# greeting heading, the worker's standing (level, balance, approved missions) and the primary
# control "Find missions" (a link: never disabled) all laid out, at the animation frame after
# the DOM holds them (the frame they are painted in). Installed before the page's own scripts.
WATCH = """
(() => {
  if (!location.pathname.startsWith('/app/')) return;
  const box = (el) => el && el.getBoundingClientRect().height > 0;
  const usable = () => {
    const main = document.getElementById('main');
    const figures = main && main.querySelector('dl.figures');
    return main && box(main.querySelector('h1')) && box(figures)
      && figures.querySelectorAll('dd').length === 3
      && box(main.querySelector('a.button.primary[href="#/find"]'));
  };
  const observer = new MutationObserver(() => {
    if (!usable()) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__usable = performance.now(); });
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""
USABLE = (
    "const done = arguments[arguments.length - 1];"
    "const check = () => window.__usable !== undefined ? done(window.__usable)"
    "  : setTimeout(check, 20);"
    "check();"
)
# The worker installed and active, its cache holding every shell file.
CACHED = (
    "const [count, done] = arguments;"
    "navigator.serviceWorker.ready.then(async () => {"
    "  const names = (await caches.keys()).filter((n) => n.startsWith('fairfield-app-'));"
    "  const keys = names.length ? await (await caches.open(names[0])).keys() : [];"
    "  done({controlled: Boolean(navigator.serviceWorker.controller), cached: keys.length});"
    "});"
)
FETCHED = (
    "return performance.getEntriesByType('resource')"
    ".map(e => e.name).filter(n => /[.](js|css)([?#]|$)/.test(n));"
)


def shell_files(service_worker: str) -> list[str]:
    """The URLs the served sw.js precaches, read from its filled-in SHELL line."""
    for line in service_worker.splitlines():
        if line.startswith("const SHELL = "):
            return list(json.loads(line.removeprefix("const SHELL = ").rstrip(";"))["files"])
    raise ValueError("sw.js has no SHELL line")


def code_paths(urls: list[str]) -> list[str]:
    """Only the scripts and stylesheets, by path (origin and query dropped), sorted."""
    paths = {urllib.parse.urlsplit(url).path for url in urls}
    return sorted(path for path in paths if path.endswith((".js", ".css")))


def _weigh(origin: str, paths: list[str]) -> dict[str, int]:
    """Files, bytes and gzip -9 bytes (each file compressed on its own, as served)."""
    sizes = {}
    for path in paths:
        with urllib.request.urlopen(origin + path) as answer:  # noqa: S310  (a local URL)
            body = answer.read()
        sizes[path] = (len(body), len(gzip.compress(body, 9)))
    return {
        "files": len(paths),
        "bytes": sum(raw for raw, _ in sizes.values()),
        "gzip_bytes": sum(packed for _, packed in sizes.values()),
    }


def shell_weight(origin: str, first_screen: list[str]) -> dict[str, Any]:
    """The shell's scripts and stylesheets: what sw.js precaches, what the first screen
    fetched, what it fetched outside the precache, and their union against the budget."""
    with urllib.request.urlopen(f"{origin}/app/sw.js") as answer:  # noqa: S310
        precached = code_paths(shell_files(answer.read().decode()))
    fetched = code_paths(first_screen)
    union = sorted(set(precached) | set(fetched))
    total = _weigh(origin, union)
    return {
        "precached": _weigh(origin, precached),
        "first_screen": _weigh(origin, fetched),
        "first_screen_not_precached": sorted(set(fetched) - set(precached)),
        "precached_not_on_first_screen": sorted(set(precached) - set(fetched)),
        "total": total,
        "budget_gzip_bytes": BUDGET_BYTES,
        "within_budget": total["gzip_bytes"] <= BUDGET_BYTES,
    }


class Workers:
    """A browser-wide DevTools session that throttles every worker target (the service
    worker's own fetches: precache and network-first pages) as the page is: auto-attached and
    paused on start, throttled, then let run. ChromeDriver's session throttles the page."""

    def __init__(self, debugger: str) -> None:
        with urllib.request.urlopen(f"http://{debugger}/json/version") as answer:
            url = json.load(answer)["webSocketDebuggerUrl"]
        self.socket = websocket.create_connection(url, suppress_origin=True)
        self.ids = itertools.count(1)
        self.throttled: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self._send(
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
        )

    def _send(self, method: str, params: dict[str, Any], session: str | None = None) -> None:
        message: dict[str, Any] = {"id": next(self.ids), "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self.socket.recv())
            except (websocket.WebSocketException, OSError, ValueError):
                return
            if message.get("method") != "Target.attachedToTarget":
                continue
            session = message["params"]["sessionId"]
            info = message["params"]["targetInfo"]
            if info["type"] in ("service_worker", "shared_worker", "worker"):
                self._send("Network.enable", {}, session)
                self._send("Network.emulateNetworkConditions", THROTTLE, session)
                self.throttled.append(info["url"])
            if message["params"].get("waitingForDebugger"):
                self._send("Runtime.runIfWaitingForDebugger", {}, session)

    def close(self) -> None:
        self.socket.close()


@contextmanager
def phone(profile: Path) -> Iterator[tuple[Any, Workers]]:
    """A fresh 360 x 640 phone profile, page and workers throttled, the watch installed."""
    with chromium(profile, mobile=PHONE) as driver:
        workers = Workers(driver.capabilities["goog:chromeOptions"]["debuggerAddress"])
        try:
            driver.set_script_timeout(60)
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", THROTTLE)
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
            yield driver, workers
        finally:
            workers.close()


def _round(profile: Path, origin: str, token: str, shell: int) -> dict[str, Any]:
    """One fresh profile: sign in (the token where the app keeps it), open the app cold, wait
    for the service worker to fill its cache, then reload: both times to usable, in ms."""
    with phone(profile) as (driver, workers):
        driver.get(f"{origin}/app/no-such-page")  # the origin, for its localStorage only
        driver.execute_script("localStorage.setItem('fairfield.token', arguments[0])", token)
        driver.get(f"{origin}/app/#/")
        cold = driver.execute_async_script(USABLE)
        fetched = driver.execute_script(FETCHED)
        state = driver.execute_async_script(CACHED, shell)
        assert state["cached"] == shell, state
        driver.refresh()
        warm = driver.execute_async_script(USABLE)
        controlled = driver.execute_script("return Boolean(navigator.serviceWorker.controller)")
        assert controlled, "the reload was not served by the service worker"
        assert any(url.endswith("/app/sw.js") for url in workers.throttled), workers.throttled
    return {"cold": cold, "warm": warm, "fetched": fetched}


def _worker(db: Any, base: str) -> str:
    """A worker with CLAIMS claims on missions in Brussels, as a home screen shows them."""
    with db.transaction() as session:
        brand = Brand(name=f"App {new_id()[:8]}")
        session.add(brand)
    _campaign, missions = build(db, brand.id, [BRUSSELS] * CLAIMS)
    (token,) = bulk_workers(db, 1)
    for mission in missions:
        status, claim = post(f"{base}/missions/{mission}/claim", token)
        assert status == 201, claim
    return token


def run(url: str, broker: str, var: str) -> dict[str, Any]:
    """The shell's weight and the first screen's time to usable, cold and warm, in ms."""
    app = bench_app(url, broker, var)
    db = app.extensions["fairfield.db"]
    config = {"DATABASE_URL": url, "BROKER_URL": broker, "VAR_DIR": var, "RATELIMIT_ENABLED": False}
    tag = new_id()[:8]
    try:
        with gunicorn(config, Path(var) / f"gunicorn-app-{tag}.log") as base:
            origin = base.removesuffix("/api/v1")
            token = _worker(db, base)
            with urllib.request.urlopen(f"{origin}/app/sw.js") as answer:  # noqa: S310
                shell = len(shell_files(answer.read().decode()))
            rounds = [
                _round(Path(var) / f"app-{tag}-{i}", origin, token, shell) for i in range(ROUNDS)
            ]
            weight = shell_weight(origin, rounds[0]["fetched"])
    finally:
        db.engine.dispose()
    usable = {}
    for kind in ("cold", "warm"):
        samples = [r[kind] for r in rounds]
        usable[kind] = {
            "p50": round(statistics.median(samples)),
            "max": round(max(samples)),
            "n": len(samples),
            "budget_ms": BUDGET_MS[kind],
            "within_budget": max(samples) <= BUDGET_MS[kind],
        }
    return {"shell_js_css": weight, "first_screen_usable_ms": usable, "throttle": THROTTLE}
