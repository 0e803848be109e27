"""Bearer-token authentication, roles, and the one helper that scopes queries to the caller."""

from __future__ import annotations

import re
from typing import Any, Protocol, TypeVar

from apiflask import HTTPTokenAuth
from flask import g, request
from sqlalchemy import ColumnElement, Select, false, true
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.accounts.service import user_for_token
from backend.db import WRITE_METHODS, get_db, request_session
from backend.errors import not_found

# Roles that act for a brand: its own users, and admins naming the brand.
BRAND_SIDE = ["brand", "admin"]

auth = HTTPTokenAuth(scheme="Bearer", description="An opaque token from POST /api/v1/auth/token")


@auth.verify_token
def _verify_token(token: str) -> User | None:
    database = get_db()
    if database.is_sqlite and request.method in WRITE_METHODS:
        # SQLite runs writers one at a time from their BEGIN IMMEDIATE on. The token lookup
        # is a read: done before the write lock is taken, every other writer waits less.
        with database.transaction(write=False) as session:
            user = user_for_token(db_session=session, token=token)
        if user is not None:
            user = request_session().merge(user, load=False)
    else:
        user = user_for_token(db_session=request_session(), token=token)
    if user is not None:
        g.user_id = user.id  # for the request log
    return user


@auth.get_user_roles
def _roles(user: User) -> list[str]:
    return [user.role]


def current_user() -> User:
    user = auth.current_user
    assert isinstance(user, User), "current_user() needs @auth_required"
    return user


class Scoped(Protocol):
    """A model that says which rows a user may see."""

    @classmethod
    def visible_to(cls, user: User) -> ColumnElement[bool]: ...


M = TypeVar("M")


def _brand_rows(brand_id: Any, user: User) -> ColumnElement[bool]:
    if user.role == "admin":
        return true()
    if user.role == "brand" and user.brand_id:
        return brand_id == user.brand_id
    return false()


def _worker_rows(worker_id: Any, user: User) -> ColumnElement[bool]:
    if user.role == "admin":
        return true()
    if user.role == "worker":
        return worker_id == user.id
    return false()


class BrandOwned:
    """Rows that belong to a brand: its users and admins see them, nobody else."""

    brand_id: Any

    @classmethod
    def visible_to(cls, user: User) -> ColumnElement[bool]:
        return _brand_rows(cls.brand_id, user)


class WorkerOwned:
    """Rows that belong to a worker: the worker and admins see them."""

    worker_id: Any

    @classmethod
    def visible_to(cls, user: User) -> ColumnElement[bool]:
        return _worker_rows(cls.worker_id, user)


class WorkerAndBrandOwned:
    """Rows a worker made for a brand: the worker, the brand's users and admins see them."""

    worker_id: Any
    brand_id: Any

    @classmethod
    def visible_to(cls, user: User) -> ColumnElement[bool]:
        if user.role == "brand":
            return _brand_rows(cls.brand_id, user)
        return _worker_rows(cls.worker_id, user)


def scoped(stmt: Select[Any], model: type[Scoped], user: User) -> Select[Any]:
    """Restrict a query to the rows of `model` that `user` may see."""
    return stmt.where(model.visible_to(user))


def get_visible(db_session: Session, model: type[M], object_id: str, user: User) -> M:
    """Load one object the user may see, or raise NotFound (404, never 403: no existence leak)."""
    from sqlalchemy import select

    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    stmt = scoped(select(model).where(pk == object_id), model, user)  # type: ignore[arg-type]
    obj = db_session.scalar(stmt)
    if obj is None:
        raise not_found(_kind(model))
    return obj


def _kind(model: type[Any]) -> str:
    """What a model's rows are called in a message: PayoutRequest is a "payout request"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()
