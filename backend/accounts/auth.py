"""Bearer-token authentication and roles; which rows a user sees is the kernel's `scoping`."""

from __future__ import annotations

from apiflask import HTTPTokenAuth
from flask import g, request

from backend.accounts.models import User
from backend.accounts.service import user_for_token
from backend.db import WRITE_METHODS, get_db, request_session

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


def current_token() -> str:
    """The bearer token the current request was authenticated with (needs @auth_required)."""
    credentials = auth.get_auth()
    token = credentials.token if credentials is not None else None
    assert token, "current_token() needs @auth_required"
    return str(token)
