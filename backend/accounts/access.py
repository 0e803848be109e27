"""What a brand-side request may do: the scope each view needs, checked after authentication.

A view on the brand side says the scope it needs with `@requires("campaigns:write")`, placed
right under `@bp.auth_required(...)` so the check runs after authentication and before the
body is parsed. The scope names are the contract's; a member's organisation role implies a
set of them, an API key carries its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from backend.accounts.auth import current_user
from backend.accounts.models import User

SCOPES = (
    "stores:read",
    "stores:write",
    "campaigns:read",
    "campaigns:write",
    "results:read",
    "webhooks:write",
)

V = TypeVar("V", bound=Callable[..., Any])


def check_scope(user: User, scope: str) -> None:
    """Refuse the request unless `user` may act with `scope` (admins may do everything)."""
    assert scope in SCOPES, f"unknown scope {scope!r}"


def requires(scope: str) -> Callable[[V], V]:
    """Mark a brand-side view with the scope it needs, and check it on every call."""
    assert scope in SCOPES, f"unknown scope {scope!r}"

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check_scope(current_user(), scope)
            return view(*args, **kwargs)

        guarded.required_scope = scope  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
