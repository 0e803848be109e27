"""The review screen in headless Chromium: a queue of 50 submissions a real Celery worker
validated (photos and their smaller copies made), how long until the first item and its
photo show, and how many thumbnail bytes each queue item costs."""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import urllib.request
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import func, select

from backend.accounts.models import Brand, User
from backend.kernel.ids import new_id
from backend.submissions.models import Submission
from bench.common import bench_app
from bench.pipeline import _upload
from tests.support.console import FLAGS
from tests.support.factories import token_for
from tests.support.load import bulk_workers, gunicorn, post
from tests.support.photos import jpeg, shelf
from tests.support.processes import spawn_worker, wait_until
from tests.support.submitting import BRUSSELS, SKUS
from tests.support.world import build

ROUNDS = 5
READY = (
    "const done = arguments[arguments.length - 1];"
    "const check = () => {"
    "  const img = document.querySelector('.viewer img');"
    "  const items = document.querySelectorAll('.items li').length;"
    "  if (document.getElementById('item-heading') && img && img.complete && img.naturalWidth"
    "      && items >= arguments[0]) done(performance.now());"
    "  else requestAnimationFrame(check);"
    "};"
    "check();"
)


def _queue(db: Any, base: str, n: int) -> None:
    """n submissions a campaign sends to a person, each by a fresh worker, validated."""
    with db.transaction() as session:
        brand = Brand(name=f"Console {new_id()[:8]}")
        session.add(brand)
    _campaign, missions = build(db, brand.id, [BRUSSELS] * n, skus=SKUS, review_required=True)
    for i, (mission, token) in enumerate(zip(missions, bulk_workers(db, n), strict=True)):
        status, claim = post(f"{base}/missions/{mission}/claim", token)
        assert status == 201, claim
        _upload(base, token, claim["assignment_id"], [jpeg(shelf(seed=1000 + i))])

    def waiting() -> bool:
        with db.transaction(write=False) as session:
            count = session.scalar(select(func.count()).where(Submission.status == "in_review"))
        return count == n

    wait_until(waiting, 300, "the worker to validate the queue")


def _browser(tmp: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(shutil.which("chromium"))
    for flag in (*FLAGS, f"--user-data-dir={tmp / 'chromium'}", "--window-size=1400,1000"):
        options.add_argument(flag)
    service = Service(executable_path=str(shutil.which("chromedriver")))
    return webdriver.Chrome(service=service, options=options)


# Every script and stylesheet the page fetched (ES modules included), by URL.
SHIPPED = (
    "return performance.getEntriesByType('resource')"
    ".map(e => e.name).filter(n => /[.](js|css)([?#]|$)/.test(n));"
)


def _shipped_bytes(urls: list[str]) -> dict[str, int]:
    """What the review screen downloads of code and style: files, bytes, gzip -9 bytes."""
    raw = compressed = 0
    for url in sorted(set(urls)):
        with urllib.request.urlopen(url) as answer:  # noqa: S310  (a local URL)
            body = answer.read()
        raw += len(body)
        compressed += len(gzip.compress(body, 9))
    return {"files": len(set(urls)), "bytes": raw, "gzip_bytes": compressed}


def _thumbnail_bytes(base: str, token: str) -> float:
    """Mean bytes of the first thumbnail of each queue item, as the browser would get it."""
    request = urllib.request.Request(  # noqa: S310  (a local URL)
        f"{base}/review/queue?limit=50", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        items = json.load(answer)["items"]
    origin = base.removesuffix("/api/v1")
    sizes = []
    for item in items:
        url = item["photos"][0]["thumbnail_url"]
        with urllib.request.urlopen(url if "://" in url else origin + url) as photo:  # noqa: S310
            sizes.append(len(photo.read()))
    return statistics.mean(sizes)


def run(url: str, broker: str, var: str, n: int = 50) -> dict[str, Any]:
    """The review screen's time to ready over a queue of n, in ms, and thumbnail bytes."""
    redis.Redis.from_url(broker).flushdb()
    app = bench_app(url, broker, var)
    db = app.extensions["fairfield.db"]
    config = {"DATABASE_URL": url, "BROKER_URL": broker, "VAR_DIR": var, "RATELIMIT_ENABLED": False}
    tag = new_id()[:8]
    worker = spawn_worker(config, Path(var) / f"celery-console-{tag}.log", name=f"console-{tag}")
    browser = None
    try:
        with gunicorn(config, Path(var) / f"gunicorn-console-{tag}.log") as base:
            _queue(db, base, n)
            with db.transaction() as session:
                admin = User(
                    email=f"admin-{tag}@bench",
                    password_hash="x",
                    role="admin",
                    display_name="Bench Admin",
                )
                session.add(admin)
            with app.app_context():
                token = token_for(app, admin)
            origin = base.removesuffix("/api/v1")
            browser = _browser(Path(var))
            browser.set_script_timeout(30)
            samples: list[float] = []
            fetched: list[Any] = []
            for _ in range(ROUNDS + 1):  # the first load fills the browser's cache
                browser.get(f"{origin}/#/status")
                browser.execute_script(
                    "sessionStorage.setItem('fairfield.token', arguments[0])", token
                )
                browser.get("about:blank")
                browser.get(f"{origin}/#/review")
                samples.append(browser.execute_async_script(READY, n))
                fetched = fetched or browser.execute_script(SHIPPED)
            shipped = _shipped_bytes(fetched)
            thumbs = _thumbnail_bytes(base, token)
    finally:
        if browser is not None:
            browser.quit()
        worker.stop()
        db.engine.dispose()
    warm = samples[1:]
    return {
        "queue": n,
        "review_screen_ready_ms": {
            "first_visit": round(samples[0]),
            "p50": round(statistics.median(warm)),
            "max": round(max(warm)),
            "n": len(warm),
        },
        "thumbnail_bytes_per_item": round(thumbs),
        "js_css_shipped": shipped,
    }
