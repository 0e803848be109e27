"""A signed photo link in a real browser that holds no token: the image shows while the link
lives and its viewer may see the photo, and not after it expires, nor once the photo is gone."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.factories import UserFactory
from tests.support.photo_links import joined, parts, signed_at
from tests.support.photos import jpeg, shelf
from tests.support.review import reject
from tests.support.submitting import honest_payload, submit, validate_now

pytestmark = pytest.mark.browser


def shown_width(browser: Any, url: str) -> int:
    """Open `url` as a new page; the width of the image it shows, 0 when it shows none."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    script = (
        "const img = document.images[0];"
        "if (!img) return 0;"
        "return img.complete ? img.naturalWidth : null;"
    )
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(script) is not None)
    return int(browser.execute_script(script))


def test_a_signed_link_shows_the_image_without_a_token_until_it_may_not(
    app, client, db, make, auth_headers, claim, gunicorn, browser
):
    origin = gunicorn.removesuffix("/api/v1")
    claimed = claim(review_required=True)
    sent = submit(client, claimed, [jpeg(shelf(seed=401))], honest_payload())
    assert sent.status_code == 202, sent.json
    submission_id = sent.json["submission_id"]
    validate_now(app, db, submission_id)
    (photo,) = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json[
        "photos"
    ]
    admin = make(UserFactory, admin=True)

    # A fresh browser: no token, no cookie; the link alone shows the photo, in every size.
    assert shown_width(browser, origin + photo["url"]) == 1600
    assert shown_width(browser, origin + photo["review_url"]) == 1600
    assert shown_width(browser, origin + photo["thumbnail_url"]) == 320

    # Expired (made an hour ago to live a minute), or naming another viewer: nothing shows.
    expired = signed_at(
        app, photo["id"], viewer_id=claimed.worker.id, now=time.time() - 3600, ttl_seconds=60
    )
    assert shown_width(browser, origin + expired) == 0
    path, query = parts(photo["thumbnail_url"])
    assert shown_width(browser, origin + joined(path, query | {"viewer": admin.id})) == 0

    # The worker is forgotten: the same link, asked again past the browser's cache, fails.
    reject(client, auth_headers(admin), submission_id)
    erased = client.delete("/api/v1/me", headers=claimed.headers)
    assert erased.status_code == 200, erased.json
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    assert shown_width(browser, origin + photo["url"]) == 0
    assert "No photo with this id" in browser.page_source
