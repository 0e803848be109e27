"""Signed photo links: an HMAC-SHA256 over the photo, the variant, the viewer and the expiry.

A link stands in for its viewer's bearer token for one image only, until it expires, so an
`<img>` or a spreadsheet cell can show a photo without a header. Pure: the key, the clock and
the parts come in as arguments; backend/urls.py makes links and the photo view checks them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

VARIANTS = ("full", "review", "thumb")
# The query parameters a link carries, in the order it writes them.
PARAMS = ("variant", "viewer", "expires", "signature")
# Bumped if the signed message ever changes shape: old links then fail, never mean another.
_PURPOSE = b"fairfield photo link v1"
_DIGITS = re.compile(r"[0-9]{1,12}")
_HEX = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class PhotoLink:
    """What a link grants: this variant of this photo, to this viewer, until `expires`."""

    photo_id: str
    variant: str
    viewer_id: str
    expires: int  # Unix seconds

    def signature(self, key: bytes) -> str:
        """The link's signature under `key`, in hex."""
        # Each part is length-prefixed, so no two different links sign the same message.
        parts = (self.photo_id, self.variant, self.viewer_id, str(self.expires))
        message = _PURPOSE + b"".join(
            len(part.encode()).to_bytes(4, "big") + part.encode() for part in parts
        )
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def query(self, key: bytes) -> dict[str, str]:
        """The query parameters of the signed link."""
        return {
            "variant": self.variant,
            "viewer": self.viewer_id,
            "expires": str(self.expires),
            "signature": self.signature(key),
        }

    def seconds_left(self, now: float) -> int:
        """How long the link still works, in whole seconds (0 once expired)."""
        return max(0, math.floor(self.expires - now))


def expiry(now: float, ttl_seconds: int) -> int:
    """When a link made at `now` to live `ttl_seconds` expires: rounded up to a tenth of the
    lifetime, so links made within that step are the same URL and a browser's cache serves
    them again; a link lives at least `ttl_seconds`, at most a tenth longer."""
    step = max(1, ttl_seconds // 10)
    return math.ceil((now + ttl_seconds) / step) * step


def sign(
    key: bytes, *, photo_id: str, variant: str, viewer_id: str, now: float, ttl_seconds: int
) -> PhotoLink:
    """A link to a variant of a photo for a viewer, living `ttl_seconds` from `now`."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    return PhotoLink(photo_id, variant, viewer_id, expiry(now, ttl_seconds))


def verified(key: bytes, photo_id: str, args: Mapping[str, str], *, now: float) -> PhotoLink | None:
    """The link these query parameters make for `photo_id`, if its signature holds under `key`
    and it has not expired; None for anything else (a part altered, missing or expired)."""
    variant, viewer_id = args.get("variant", "full"), args.get("viewer", "")
    expires, signature = args.get("expires", ""), args.get("signature", "")
    well_formed = (
        variant in VARIANTS
        and viewer_id
        and _DIGITS.fullmatch(expires)
        and _HEX.fullmatch(signature)
    )
    if not well_formed:
        return None
    link = PhotoLink(photo_id, variant, viewer_id, int(expires))
    # Compared in constant time, and before the expiry, so timing tells nothing either way.
    valid = hmac.compare_digest(link.signature(key), signature.lower())
    return link if valid and now < link.expires else None
