"""Pure campaign rules: the shape of a campaign before it touches the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

# Currencies we can pay out by SEPA credit transfer today.
CURRENCIES = frozenset({"EUR"})
EST_MINUTES_MAX = 8 * 60
PHOTOS_MAX = 20
PRODUCTS_MAX = 200


def campaign_problems(
    *,
    name: str,
    products: Sequence[dict[str, Any]],
    photos_required: int,
    reward_amount_minor: int,
    reward_currency: str,
    est_minutes: int,
    starts_at: datetime,
    ends_at: datetime,
    store_ids: Sequence[str],
    max_photos: int = PHOTOS_MAX,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Must not be blank."]
    if not products:
        errors["products"] = ["List at least one product."]
    elif len(products) > PRODUCTS_MAX:
        errors["products"] = [f"At most {PRODUCTS_MAX} products."]
    else:
        skus = [str(p["sku"]).strip() for p in products]
        if len(set(skus)) != len(skus):
            errors["products"] = ["Each SKU may appear once."]
    most = min(PHOTOS_MAX, max_photos)
    if not 0 <= photos_required <= most:
        # A submission carries at most max_photos: a campaign asking for more could never
        # be completed.
        errors["photos_required"] = [f"Must be between 0 and {most}."]
    if reward_amount_minor <= 0:
        errors["reward.amount_minor"] = ["Must be a positive whole number of minor units."]
    if reward_currency not in CURRENCIES:
        errors["reward.currency"] = [f"Must be one of: {', '.join(sorted(CURRENCIES))}."]
    if not 1 <= est_minutes <= EST_MINUTES_MAX:
        errors["est_minutes"] = [f"Must be between 1 and {EST_MINUTES_MAX}."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["Must be after starts_at."]
    if not store_ids:
        errors["store_ids"] = ["Target at least one store."]
    elif len(set(store_ids)) != len(store_ids):
        errors["store_ids"] = ["Each store may appear once."]
    return errors
