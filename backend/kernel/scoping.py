"""Which rows a user may see: the visibility mixins every owned model carries, and queries by them.

A missing row and a row someone may not see answer alike (404, never 403), so ids leak nothing.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from backend.errors import not_found


class Viewer(Protocol):
    """Who is looking: what scoping needs of a user."""

    @property
    def id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def brand_id(self) -> str | None: ...


class Scoped(Protocol):
    """A model that says which rows a user may see."""

    @classmethod
    def visible_to(cls, user: Viewer) -> ColumnElement[bool]: ...


M = TypeVar("M")


def _brand_rows(brand_id: Any, user: Viewer) -> ColumnElement[bool]:
    if user.role == "admin":
        return true()
    if user.role == "brand" and user.brand_id:
        return brand_id == user.brand_id
    return false()


def _worker_rows(worker_id: Any, user: Viewer) -> ColumnElement[bool]:
    if user.role == "admin":
        return true()
    if user.role == "worker":
        return worker_id == user.id
    return false()


class BrandOwned:
    """Rows that belong to a brand: its users and admins see them, nobody else."""

    brand_id: Any

    @classmethod
    def visible_to(cls, user: Viewer) -> ColumnElement[bool]:
        return _brand_rows(cls.brand_id, user)


class WorkerOwned:
    """Rows that belong to a worker: the worker and admins see them."""

    worker_id: Any

    @classmethod
    def visible_to(cls, user: Viewer) -> ColumnElement[bool]:
        return _worker_rows(cls.worker_id, user)


class WorkerAndBrandOwned:
    """Rows a worker made for a brand: the worker, the brand's users and admins see them."""

    worker_id: Any
    brand_id: Any

    @classmethod
    def visible_to(cls, user: Viewer) -> ColumnElement[bool]:
        if user.role == "brand":
            return _brand_rows(cls.brand_id, user)
        return _worker_rows(cls.worker_id, user)


def scoped(stmt: Select[Any], model: type[Scoped], user: Viewer) -> Select[Any]:
    """Restrict a query to the rows of `model` that `user` may see."""
    return stmt.where(model.visible_to(user))


def get_visible(db_session: Session, model: type[M], object_id: str, user: Viewer) -> M:
    """Load one object the user may see, or raise NotFound (404, never 403: no existence leak)."""
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    stmt = scoped(select(model).where(pk == object_id), model, user)  # type: ignore[arg-type]
    obj = db_session.scalar(stmt)
    if obj is None:
        raise not_found(_kind(model))
    return obj


def _kind(model: type[Any]) -> str:
    """What a model's rows are called in a message: PayoutRequest is a "payout request"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()
