"""0017: every brand account made before organisations is its brand's owner; nobody else has
a role in one, and the database refuses a role it does not know."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from backend import migrate
from backend.accounts.models import User
from backend.db import UTCDateTime
from tests.support.factories import UserFactory

OLD_USERS = sa.table(
    "users",
    sa.column("id"),
    sa.column("email"),
    sa.column("password_hash"),
    sa.column("role"),
    sa.column("display_name"),
    sa.column("brand_id"),
    sa.column("created_at", UTCDateTime()),
)
OLD_BRANDS = sa.table(
    "brands", sa.column("id"), sa.column("name"), sa.column("created_at", UTCDateTime())
)


def test_0017_makes_every_brand_account_its_owner(db):
    migrate.downgrade(db, "0016")
    try:
        joined = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
        brand_id = "00000000-0000-4000-8000-0000000000b1"
        with db.transaction() as session:
            session.execute(
                sa.insert(OLD_BRANDS).values(id=brand_id, name="Old brand", created_at=joined)
            )
            for number, (role, brand) in enumerate((("brand", brand_id), ("worker", None))):
                session.execute(
                    sa.insert(OLD_USERS).values(
                        id=f"00000000-0000-4000-8000-00000000000{number}",
                        email=f"{role}@example.org",
                        password_hash="x",
                        role=role,
                        display_name=role,
                        brand_id=brand,
                        created_at=joined,
                    )
                )
    finally:
        migrate.upgrade(db)
    with db.transaction(write=False) as session:
        roles = dict(session.execute(sa.select(User.email, User.org_role)).all())
        removed = set(session.scalars(sa.select(User.removed_at)))
    assert roles == {"brand@example.org": "owner", "worker@example.org": None}
    assert removed == {None}


def test_the_database_refuses_an_unknown_organisation_role(db, make):
    user = make(UserFactory, brand_user=True)
    assert user.org_role == "owner"
    with pytest.raises(sa.exc.IntegrityError), db.transaction() as session:
        session.execute(sa.update(User).where(User.id == user.id).values(org_role="boss"))
