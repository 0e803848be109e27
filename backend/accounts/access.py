"""What a brand-side request may do: the scope each view needs, checked after authentication.

A view on the brand side says the scope it needs with `@requires("campaigns:write")`, placed
right under `@bp.auth_required(...)` so the check runs after authentication and before the
body is parsed. The scope names are the contract's; a member's organisation role implies a
set of them (`rules.ROLE_SCOPES`), an API key carries its own and is bounded by its member's
role too. Acts no key may do (the organisation's people, its keys, its audit log) say which
member roles may with `@requires_role(...)` / `@requires_owner`.

Every view carries its mark as attributes (`required_scope`, `required_roles`), so a test
walks the URL map and finds any brand-side view that forgot one; an API key is refused on a
view with no `required_scope` before it runs (see `auth`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from backend.accounts.auth import auth, current_api_key, current_user
from backend.accounts.models import ORG_ROLES, User
from backend.accounts.rules import SCOPES, role_allows
from backend.errors import Forbidden
from backend.i18n import gettext

V = TypeVar("V", bound=Callable[..., Any])

__all__ = ["SCOPES", "check_role", "check_scope", "requires", "requires_owner", "requires_role"]


def check_scope(user: User, scope: str) -> None:
    """Refuse the request unless `user` may act with `scope` (admins may do everything;
    workers are held by each view's roles, not by brand scopes)."""
    assert scope in SCOPES, f"unknown scope {scope!r}"
    if user.role != "brand":
        return
    key = current_api_key()
    if key is not None and scope not in key.scopes:
        raise Forbidden(
            gettext("This API key does not have the scope %(scope)s.", scope=scope),
            code="insufficient_scope",
            extra={"required_scope": scope},
        )
    if not role_allows(user.org_role, scope):
        raise Forbidden(
            gettext("Your role in the organisation does not allow this."),
            code="insufficient_role",
            extra={"required_scope": scope},
        )


def check_role(user: User, roles: tuple[str, ...]) -> None:
    """Refuse the request unless a member (not an API key) of one of `roles` makes it."""
    if current_api_key() is not None:
        raise Forbidden(
            gettext("An API key cannot be used here: sign in as a member."),
            code="insufficient_scope",
        )
    if user.role == "admin":
        return
    if user.role != "brand" or user.org_role not in roles:
        raise Forbidden(
            gettext("Your role in the organisation does not allow this."),
            code="insufficient_role",
        )


def requires(scope: str) -> Callable[[V], V]:
    """Mark a brand-side view with the scope it needs, and check it on every call."""
    assert scope in SCOPES, f"unknown scope {scope!r}"

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            # A view whose authentication is optional (a photo's signed link) has no user
            # here; it decides by the link alone.
            if auth.current_user is not None:
                check_scope(current_user(), scope)
            return view(*args, **kwargs)

        guarded.required_scope = scope  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def requires_role(*roles: str) -> Callable[[V], V]:
    """Mark a view only members of these organisation roles may use (never an API key)."""
    assert roles, "name one role or more"
    assert set(roles) <= set(ORG_ROLES), f"unknown roles {roles!r}"

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check_role(current_user(), roles)
            return view(*args, **kwargs)

        guarded.required_roles = roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def requires_owner(view: V) -> V:
    """Mark a view only the organisation's owners may use (never an API key)."""
    return requires_role("owner")(view)
