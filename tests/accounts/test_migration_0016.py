"""0016: accounts made before verification existed count as verified; their mail is English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from backend import migrate
from backend.accounts.models import User
from backend.db import UTCDateTime

OLD_USERS = sa.table(
    "users",
    sa.column("id"),
    sa.column("email"),
    sa.column("password_hash"),
    sa.column("role"),
    sa.column("display_name"),
    sa.column("created_at", UTCDateTime()),
)


def test_0016_verifies_every_account_made_before_it(db):
    migrate.downgrade(db, "0015")
    try:
        joined = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
        with db.transaction() as session:
            session.execute(
                sa.insert(OLD_USERS).values(
                    id="00000000-0000-4000-8000-000000000001",
                    email="old@example.org",
                    password_hash="x",
                    role="worker",
                    display_name="Old",
                    created_at=joined,
                )
            )
    finally:
        migrate.upgrade(db)
    with db.transaction(write=False) as session:
        user = session.scalar(sa.select(User).where(User.email == "old@example.org"))
    assert (user.email_verified_at, user.email_verified, user.locale) == (joined, True, "en")


def test_the_database_refuses_a_locale_mail_is_not_written_in(db, make):
    from tests.support.factories import UserFactory

    user = make(UserFactory)
    with pytest.raises(sa.exc.IntegrityError), db.transaction() as session:
        session.execute(sa.update(User).where(User.id == user.id).values(locale="de"))
