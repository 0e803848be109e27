"""Bearer-token authentication and roles; which rows a user sees is the kernel's `scoping`.

A bearer is a session token (POST /auth/token) or an organisation's API key (`ffk_...`). A
key is let in only where a view names the scope it needs (`access.requires`): everywhere
else it is refused with 403 `insufficient_scope`, so a view that forgets its mark fails
closed for machines."""

from __future__ import annotations

from collections import namedtuple
from typing import Any, NamedTuple

import limits
from apiflask import HTTPTokenAuth
from flask import current_app, g, request
from sqlalchemy import Row, bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import TooManyRequests

from backend.accounts import apikeys, rules
from backend.accounts.models import ApiToken, Brand, User
from backend.db import WRITE_METHODS, autocommit_read, driver_cursor, get_db, request_session
from backend.errors import Forbidden
from backend.extensions import limiter
from backend.i18n import gettext
from backend.kernel.clock import utcnow
from backend.settings import current_settings

# Roles that act for a brand: its own users, and admins naming the brand.
BRAND_SIDE = ["brand", "admin"]

auth = HTTPTokenAuth(
    scheme="Bearer",
    description="An opaque token from POST /api/v1/auth/token, or an organisation's API key "
    "(`ffk_...`, POST /api/v1/api-keys)",
)


@auth.verify_token
def _verify_token(token: str) -> User | None:
    g.pop("api_key", None)  # a test may hold one app context (and `g`) across requests
    if rules.is_api_key(token):
        return _key_holder(token)
    params = {"token_hash": rules.token_digest(token), "now": utcnow()}
    session = request_session()
    if get_db().is_sqlite and request.method in WRITE_METHODS:
        # SQLite runs writers one at a time from their BEGIN IMMEDIATE on. The token lookup
        # is a read: done before the write lock is taken, every other writer waits less.
        row = autocommit_read(_USER_FOR_TOKEN, params)
    else:
        row = _token_lookup(session, params)
    if row is None:
        return None
    g.user_id = row.id  # for the request log
    return _persistent_user(session, row)


# Every authenticated request runs this first: one statement, built once, read fresh each
# time (a revoked or expired token, a removed member, a changed role count at once). The
# ORM's select of User cost as much again in Python as the statement itself; it runs on the
# driver's cursor (_token_lookup) but for a write on SQLite, which reads it apart.
_USER_COLUMNS = list(User.__table__.c)
_USER_FOR_TOKEN = (
    select(*_USER_COLUMNS, Brand.name.label("brand_name"), Brand.created_at.label("brand_at"))
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(Brand, Brand.id == User.brand_id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type),
        User.removed_at.is_(None),
    )
)
_USER_KEYS = [c.key for c in _USER_COLUMNS]


class _TokenStatement(NamedTuple):
    sql: str
    names: tuple[str, ...] | None  # the parameters' order (positional drivers), else None
    binds: dict[str, Any]  # name -> the column type's bind processor
    reads: list[Any]  # per column: its type's result processor, or None
    row: Any  # the Row class of the statement's columns


_TOKEN_STATEMENTS: dict[str, _TokenStatement] = {}


def _token_statement(dialect: Dialect) -> _TokenStatement:
    """_USER_FOR_TOKEN compiled once per dialect, with its types' conversions at hand."""
    compiled = _USER_FOR_TOKEN.compile(dialect=dialect)
    binds = {
        name: param.type.dialect_impl(dialect).bind_processor(dialect)
        for name, param in compiled.binds.items()
    }
    columns = _USER_FOR_TOKEN.selected_columns
    reads = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    row = namedtuple("_TokenRow", [c.key for c in columns])  # type: ignore[misc]
    return _TokenStatement(str(compiled), names, binds, reads, row)


def _token_lookup(session: Session, params: dict[str, Any]) -> Any:
    """_USER_FOR_TOKEN's row, through the driver's own cursor: on every authenticated
    request SQLAlchemy's execution and result machinery cost several times the statement
    on SQLite (35 us of 7), and as much again as its round trip on PostgreSQL."""
    dialect = session.get_bind().dialect
    statement = _TOKEN_STATEMENTS.get(dialect.name)
    if statement is None:
        statement = _TOKEN_STATEMENTS[dialect.name] = _token_statement(dialect)
    bound = {}
    for name, value in params.items():
        bind = statement.binds[name]
        bound[name] = bind(value) if bind is not None else value
    args = bound if statement.names is None else tuple(bound[n] for n in statement.names)
    cursor = driver_cursor(session)
    cursor.execute(statement.sql, args)
    raw = cursor.fetchone()
    if raw is None:
        return None
    return statement.row(
        *(
            value if read is None else read(value)
            for read, value in zip(statement.reads, raw, strict=True)
        )
    )


def _persistent_user(session: Session, row: Any) -> User:
    """The row as the session's User (and Brand), as if the ORM had loaded it: no second
    read, and changes a view makes to it are flushed as usual."""
    fields = row._mapping if isinstance(row, Row) else row._asdict()
    known = session.identity_map.get(session.identity_key(User, (row.id,)))
    if known is not None:
        return known
    user = _loaded(User, {key: fields[key] for key in _USER_KEYS})
    session.add(user)
    brand = None
    if row.brand_id is not None:
        brand = session.identity_map.get(session.identity_key(Brand, (row.brand_id,)))
        if brand is None:
            brand = _loaded(
                Brand, {"id": row.brand_id, "name": row.brand_name, "created_at": row.brand_at}
            )
            session.add(brand)
    set_committed_value(user, "brand", brand)
    return user


def _loaded(model: Any, values: dict[str, Any]) -> Any:
    """An instance holding `values` as loaded ones (no change to flush), ready to add."""
    instance = model._sa_class_manager.new_instance()
    instance.__dict__.update(values)  # an instrumented attribute keeps its value here
    make_transient_to_detached(instance)
    return instance


def _key_holder(key: str) -> User | None:
    """The member an API key acts as; refuses it (403) on a view that names no scope, and
    (429) past its rate limit."""
    now = utcnow()
    database = get_db()
    # Read apart from the request's transaction (no write lock held on SQLite meanwhile).
    with database.transaction(write=False) as session:
        found = apikeys.key_holder(db_session=session, key=key, now=now)
    if found is None:
        return None
    user, row = found
    g.user_id = user.id
    g.api_key = apikeys.KeyGrant(key_id=row.id, prefix=row.prefix, scopes=frozenset(row.scopes))
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "required_scope", None) is None:
        raise Forbidden(
            gettext("An API key cannot be used here: sign in as a member."),
            code="insufficient_scope",
        )
    _rate_limit(row.id)
    if apikeys.due_for_touch(row, now):
        with database.transaction() as session:
            apikeys.touch(db_session=session, key_id=row.id, now=now)
    return request_session().merge(user, load=False)


def _rate_limit(key_id: str) -> None:
    """Count this request against the key's own limit (FAIRFIELD_API_KEY_RATE_LIMIT)."""
    if not (limiter.enabled and limiter.initialized):
        return
    for item in limits.parse_many(current_settings().api_key_rate_limit):
        if not limiter.limiter.hit(item, "api_key", key_id):
            raise TooManyRequests(description=str(item))


def current_api_key() -> apikeys.KeyGrant | None:
    """The API key the current request was authenticated with, if it was one."""
    grant: apikeys.KeyGrant | None = g.get("api_key")
    return grant


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
