"""Pure account rules: no session, no app."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PASSWORD_MIN = 10
PASSWORD_MAX = 256
TOKEN_PREFIX = "ff_"  # noqa: S105 (a prefix, not a secret)
# The mail an account gets, each with a link whose secret is kept as an AccountToken.
PASSWORD_RESET = "password_reset"  # noqa: S105 (a name, not a secret)
EMAIL_VERIFICATION = "email_verification"


def best_locale(accepted: Iterable[str], offered: Sequence[str], default: str = "en") -> str:
    """The first language asked (best first) that is offered, by its primary tag: `nl-BE`
    is `nl`; `default` when none is."""
    for tag in accepted:
        primary = tag.split("-", 1)[0].split("_", 1)[0].strip().lower()
        if primary in offered:
            return primary
    return default


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_problems(email: str) -> list[str]:
    if len(email) > 254 or not EMAIL_RE.match(email):
        return ["Not a valid email address."]
    return []


def password_problems(password: str, *, email: str) -> list[str]:
    """NIST 800-63B style: length matters, composition rules do not."""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"Use at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        problems.append(f"Use at most {PASSWORD_MAX} characters.")
    if password.strip().lower() == email.strip().lower():
        problems.append("The password must not be the email address.")
    return problems


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_link_token() -> str:
    """A secret for a mailed link (reset, verification): 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Scopes a bearer on the brand side may hold (the contract's names), and those each role in
# an organisation implies: a viewer reads, a manager and an owner do everything.
SCOPES = (
    "stores:read",
    "stores:write",
    "campaigns:read",
    "campaigns:write",
    "results:read",
    "webhooks:write",
)
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": frozenset(SCOPES),
    "manager": frozenset(SCOPES),
    "viewer": frozenset(scope for scope in SCOPES if scope.endswith(":read")),
}

# An API key reads `ffk_<8 chars>_<secret>`; its first part, the prefix, names it in lists.
API_KEY_MARK = "ffk_"
_KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_api_key() -> tuple[str, str]:
    """A new API key and its prefix (`ffk_` and 8 random characters); 256 secret bits."""
    prefix = API_KEY_MARK + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(8))
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def is_api_key(token: str) -> bool:
    """Whether a bearer token is shaped like an API key (not a session token)."""
    return token.startswith(API_KEY_MARK)


def role_allows(org_role: str | None, scope: str) -> bool:
    """Whether a member of this role may act with `scope`."""
    return scope in ROLE_SCOPES.get(org_role or "", frozenset())


# A worker's level, by approved missions: the least count each level needs, highest first.
LEVELS = ((50, "gold"), (10, "silver"), (1, "bronze"), (0, "starter"))


def level(approved_missions: int) -> str:
    """The level a worker has reached with this many approved missions."""
    return next(name for least, name in LEVELS if approved_missions >= least)
