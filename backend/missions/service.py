"""Missions as the stores feature needs them: locked while a store changes, moved with it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.missions.models import Mission

# A mission that is open may be turning claimed under a claim in flight; claimed and
# submitted ones have a worker on the way to (or back from) their store.
_LIVE_STATUSES = ("open", "claimed", "submitted")


def lock_missions_at_store(*, db_session: Session, store_id: str) -> list[str]:
    """The statuses of the store's open, claimed and submitted missions, row-locked
    (PostgreSQL) so that a claim in flight settles first and one that comes later waits."""
    return list(
        db_session.scalars(
            select(Mission.status)
            .where(Mission.store_id == store_id, Mission.status.in_(_LIVE_STATUSES))
            .with_for_update()
        )
    )


def move_missions_of_store(
    *, db_session: Session, store_id: str, latitude: float, longitude: float
) -> None:
    """Carry a store's new place to its missions' copy of it, which the nearby search reads;
    the spatial index (SQLite's R*Tree triggers, PostGIS's generated column) follows them."""
    db_session.execute(
        update(Mission)
        .where(Mission.store_id == store_id)
        .values(latitude=latitude, longitude=longitude)
        .execution_options(synchronize_session=False)
    )
