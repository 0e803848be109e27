"""Store services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.errors import Invalid
from backend.stores import rules
from backend.stores.models import Store


def create_store(
    *,
    db_session: Session,
    brand_id: str,
    name: str,
    latitude: float,
    longitude: float,
    chain: str | None = None,
    address: str | None = None,
    geofence_m: int | None = None,
    external_ref: str | None = None,
) -> Store:
    """Create one store for a brand."""
    geofence = rules.GEOFENCE_DEFAULT_M if geofence_m is None else geofence_m
    errors = rules.coordinate_problems(latitude, longitude) | rules.geofence_problems(geofence)
    if not name.strip():
        errors["name"] = ["Must not be blank."]
    if errors:
        raise Invalid("The store is not valid.", errors=errors)
    store = Store(
        brand_id=brand_id,
        name=name.strip(),
        chain=chain,
        address=address,
        latitude=latitude,
        longitude=longitude,
        geofence_m=geofence,
        external_ref=external_ref,
    )
    db_session.add(store)
    db_session.flush()
    return store
