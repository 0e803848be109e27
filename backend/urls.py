"""The API's own URLs, built from its routes (url_for) rather than written out by hand.

Infrastructure beside db and storage: any feature may import it. An endpoint is named by a
string ("blueprint.view"), so no feature is imported here; a URL is built inside the app,
where every blueprint is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app, g, has_app_context, has_request_context, url_for

from backend.kernel import links
from backend.kernel.clock import utcnow
from backend.settings import current_settings

PHOTO = "submissions.get_photo"
_LINKS = (("url", "full"), ("review_url", "review"), ("thumbnail_url", "thumb"))
# werkzeug's safe characters in a path part and in a query (routing/converters.py, urls.py).
_PATH_SAFE, _QUERY_SAFE = "!$&'()*+,/:;=@", "!$'()*,/:;?@"
UPLOAD = "uploads.get_upload"
SCORECARD = "fairness.brand_scorecard"


def api_url(endpoint: str, *, external: bool = False, **values: Any) -> str:
    """The path of an endpoint with these values, e.g. '/api/v1/photos/<id>'; `external`:
    the whole URL, as the request reached us (through the proxies FAIRFIELD_PROXY_COUNT
    trusts), for links read outside the API (a spreadsheet, a downloaded file)."""
    if has_request_context():
        return url_for(endpoint, _external=external, **values)
    # A task or the CLI has no request (and no SERVER_NAME); the route's path is the same.
    return current_app.url_map.bind("localhost").build(endpoint, values)


def photo_url(
    photo_id: str,
    *,
    variant: str = "full",
    viewer_id: str | None = None,
    ttl_seconds: int | None = None,
    external: bool = False,
) -> str:
    """A signed link to a photo's `variant` (full, review or thumb) for `viewer_id` (by default
    the user of the current request), living `ttl_seconds` (by default
    FAIRFIELD_PHOTO_LINK_TTL_SECONDS); it works without an Authorization header.

    Every photo link the API hands out is made here, and only here: an object store can take
    this function over and answer its own presigned URL of the variant's object instead. The
    visibility rules are then checked when the link is made, not when it is used; keeping
    these links and having GET /photos/{id} redirect to a presigned URL of a few seconds keeps
    the check at each use. Without a viewer (a task, the CLI) the link is the bare path, which
    needs a bearer token.
    """
    viewer = viewer_id or (g.get("user_id") if has_app_context() else None)
    if viewer is None:
        extra = {} if variant == "full" else {"variant": variant}
        return api_url(PHOTO, external=external, photo_id=photo_id, **extra)
    settings = current_settings()
    link = links.sign(
        settings.secret_key.encode(),
        photo_id=photo_id,
        variant=variant,
        viewer_id=viewer,
        now=utcnow().timestamp(),
        ttl_seconds=ttl_seconds or settings.photo_link_ttl_seconds,
    )
    query = link.query(settings.secret_key.encode())
    return api_url(PHOTO, external=external, photo_id=photo_id, **query)


def photo_links(
    photo_id: str,
    *,
    viewer_id: str | None = None,
    ttl_seconds: int | None = None,
    external: bool = False,
) -> dict[str, str]:
    """The three links a photo object carries: `url` (full size), `review_url` (about 1600
    px on the long side) and `thumbnail_url` (about 320 px), signed alike."""
    return photo_linker(viewer_id=viewer_id, ttl_seconds=ttl_seconds, external=external)(photo_id)


def photo_linker(
    *, viewer_id: str | None = None, ttl_seconds: int | None = None, external: bool = False
) -> Callable[[str], dict[str, str]]:
    """photo_links for many photos, the same URLs photo_url makes: the viewer, key, expiry
    and the route's path worked out once (a page of fifty photos built 150 URLs through
    url_for, 5 of its 30 ms), then per photo its path and three signatures."""
    viewer = viewer_id or (g.get("user_id") if has_app_context() else None)
    # The photo route ends in its id: the path of one is the path of any, the id swapped.
    head = api_url(PHOTO, external=external, photo_id="-")
    assert head.endswith("/-"), head
    prefix = head[:-1]
    if viewer is None:

        def unsigned(photo_id: str) -> dict[str, str]:
            path = prefix + quote(photo_id, safe=_PATH_SAFE)
            return {
                key: path if variant == "full" else f"{path}?variant={variant}"
                for key, variant in _LINKS
            }

        return unsigned
    settings = current_settings()
    key = settings.secret_key.encode()
    expires = links.expiry(utcnow().timestamp(), ttl_seconds or settings.photo_link_ttl_seconds)
    # As werkzeug writes a route's query (urlencode, its safe characters), once per variant.
    queries = {
        variant: urlencode(
            {"variant": variant, "viewer": viewer, "expires": str(expires)}, safe=_QUERY_SAFE
        )
        for _, variant in _LINKS
    }

    def signed(photo_id: str) -> dict[str, str]:
        path = prefix + quote(photo_id, safe=_PATH_SAFE)
        return {
            key_: f"{path}?{queries[variant]}&signature="
            + links.PhotoLink(photo_id, variant, viewer, expires).signature(key)
            for key_, variant in _LINKS
        }

    return signed


def no_photo_links() -> dict[str, None]:
    """The links of a photo that is gone (erased with its worker's account): none."""
    return dict.fromkeys(("url", "review_url", "thumbnail_url"))


def upload_url(upload_id: str) -> str:
    """Where a resumable upload's offset is read and its bytes sent."""
    return api_url(UPLOAD, upload_id=upload_id)


def scorecard_url(brand_id: str) -> str:
    """Where a brand's scorecard (how it treats workers) is read."""
    return api_url(SCORECARD, brand_id=brand_id)
