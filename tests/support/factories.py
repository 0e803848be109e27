"""factory_boy factories with traits; rows are committed so the app under test sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import factory
from apiflask import APIFlask
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from backend.accounts import rules
from backend.accounts.models import ApiToken, Brand, User
from backend.accounts.service import password_hasher
from backend.db import Database
from backend.stores.models import Store

PASSWORD = "correct horse battery staple"
_session: Session | None = None


def _current_session() -> Session:
    assert _session is not None, "use the `make` fixture"
    return _session


class Base(SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _current_session
        sqlalchemy_session_persistence = "commit"


class BrandFactory(Base):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    role = "worker"
    brand = None
    password_hash = factory.LazyFunction(lambda: password_hasher().hash(PASSWORD))

    class Params:
        brand_user = factory.Trait(role="brand", brand=factory.SubFactory(BrandFactory))
        admin = factory.Trait(role="admin")


class StoreFactory(Base):
    class Meta:
        model = Store

    brand_id = factory.LazyFunction(lambda: BrandFactory().id)
    name = factory.Sequence(lambda n: f"Store {n}")
    latitude = 50.8467
    longitude = 4.3525
    geofence_m = 150


class Maker:
    """Binds the factories to a session of the test app for the duration of a test."""

    def __init__(self, app: APIFlask) -> None:
        global _session
        database: Database = app.extensions["fairfield.db"]
        _session = database.session(write=False)
        self.session = _session

    def __call__(self, factory_cls: type[Base], **kwargs: Any) -> Any:
        return factory_cls(**kwargs)


def token_for(
    app: APIFlask, user: User, *, ttl_seconds: int = 3600, expires_at: datetime | None = None
) -> str:
    """A real bearer token for `user`, stored hashed like the service does."""
    database: Database = app.extensions["fairfield.db"]
    raw = rules.new_token()
    with database.transaction() as session:
        session.add(
            ApiToken(
                token_hash=rules.token_digest(raw),
                user_id=user.id,
                expires_at=expires_at or datetime.now(UTC) + timedelta(seconds=ttl_seconds),
            )
        )
    return raw
