"""Account services: registration, tokens, admins. Keyword-only; they flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from backend.accounts import rules
from backend.accounts.models import LOCALES, ApiToken, Brand, User
from backend.errors import Conflict, Forbidden, Invalid, Unauthorized
from backend.i18n import gettext
from backend.kernel.clock import utcnow
from backend.mail import service as mail

_DUMMY_HASHES: dict[int, str] = {}


def password_hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions["fairfield.hasher"]
    return hasher


def make_hasher(*, time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def register_user(
    *,
    db_session: Session,
    email: str,
    password: str,
    role: str,
    display_name: str,
    brand_name: str | None = None,
    locale: str = "en",
    verified: bool = False,
) -> User:
    """Create a worker, or a brand user together with a new brand; unless `verified` (demo
    accounts), the address is not yet and the mail that verifies it is queued."""
    email = rules.normalize_email(email)
    brand_name = (brand_name or "").strip() or None
    errors = _registration_problems(
        email=email,
        password=password,
        role=role,
        display_name=display_name,
        brand_name=brand_name,
        locale=locale,
    )
    if errors:
        raise Invalid(gettext("The account could not be created."), errors=errors)
    # Hashed before the first statement: the write lock (SQLite) is taken only for the writes.
    password_hash = password_hasher().hash(password)

    if db_session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(
            gettext("An account with this email exists."),
            code="email_taken",
            errors={"email": [gettext("Already registered.")]},
        )
    user = User(
        email=email,
        password_hash=password_hash,
        role=role,
        display_name=display_name.strip(),
        brand=_new_brand(db_session, brand_name) if role == "brand" else None,
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    db_session.add(user)
    db_session.flush()
    send_verification(db_session=db_session, user=user)
    return user


def send_verification(*, db_session: Session, user: User) -> bool:
    """Queue the mail that verifies the user's address; False (nothing queued) when it is
    verified already."""
    if user.email_verified_at is not None or user.erased_at is not None:
        return False
    mail.queue(
        db_session=db_session,
        kind=rules.EMAIL_VERIFICATION,
        to_address=user.email,
        locale=user.locale,
        ref_id=user.id,
    )
    return True


def _registration_problems(
    *,
    email: str,
    password: str,
    role: str,
    display_name: str,
    brand_name: str | None,
    locale: str,
) -> dict[str, list[str]]:
    """Every field of a sign-up in error, with why (the email already normalized)."""
    errors: dict[str, list[str]] = {}
    if problems := rules.email_problems(email):
        errors["email"] = problems
    if problems := rules.password_problems(password, email=email):
        errors["password"] = problems
    if role not in ("worker", "brand"):
        errors["role"] = ["Must be one of: worker, brand. Admins are created from the CLI."]
    if role == "brand" and not brand_name:
        errors["brand_name"] = [gettext("A brand account needs the brand's name.")]
    if role == "worker" and brand_name:
        errors["brand_name"] = [gettext("Only brand accounts belong to a brand.")]
    if not display_name.strip():
        errors["display_name"] = [gettext("Must not be blank.")]
    if locale not in LOCALES:
        errors["locale"] = [f"Must be one of: {', '.join(LOCALES)}."]
    return errors


def _new_brand(db_session: Session, name: str | None) -> Brand:
    """A new brand of this name; 409 `brand_exists` if one has it already."""
    if db_session.scalar(select(Brand.id).where(Brand.name == name)):
        # Joining an existing brand by name would let anyone read its campaigns.
        raise Conflict(
            gettext("A brand with this name exists; ask its owner for an invitation."),
            code="brand_exists",
            errors={"brand_name": [gettext("Already registered.")]},
        )
    brand = Brand(name=name)
    db_session.add(brand)
    return brand


@dataclass(frozen=True)
class Credentials:
    """A password checked against a user's stored hash, and a fresh hash when it is due."""

    user_id: str
    password_hash: str
    rehash: str | None


def check_password(*, db_session: Session, email: str, password: str) -> Credentials:
    """Check an email and password; reads only, so it runs apart from any write lock."""
    row = db_session.execute(
        select(User.id, User.password_hash).where(
            User.email == rules.normalize_email(email),
            User.removed_at.is_(None),  # a member removed from their organisation
        )
    ).first()
    if row is None:
        # Spend the same time as a real check so response times do not reveal accounts.
        _verify(_dummy_hash(), password)
        raise Unauthorized(gettext("Wrong email or password."), code="invalid_credentials")
    if not _verify(row.password_hash, password):
        raise Unauthorized(gettext("Wrong email or password."), code="invalid_credentials")
    rehash = None
    if password_hasher().check_needs_rehash(row.password_hash):
        rehash = password_hasher().hash(password)
    return Credentials(user_id=row.id, password_hash=row.password_hash, rehash=rehash)


def issue_token(
    *, db_session: Session, credentials: Credentials, ttl_seconds: int
) -> tuple[str, ApiToken]:
    """A new opaque token (shown once) and its row, for credentials `check_password` passed."""
    user = db_session.get(User, credentials.user_id)
    # Checked apart from this transaction: a password changed (or an account erased) since
    # then must not yield a token for the old one.
    if (
        user is None
        or user.password_hash != credentials.password_hash
        or user.removed_at is not None
    ):
        raise Unauthorized(gettext("Wrong email or password."), code="invalid_credentials")
    if credentials.rehash is not None:
        user.password_hash = credentials.rehash
    return open_session(db_session=db_session, user=user, ttl_seconds=ttl_seconds)


def open_session(*, db_session: Session, user: User, ttl_seconds: int) -> tuple[str, ApiToken]:
    """A new bearer token for `user` (shown once) and its row."""
    token = rules.new_token()
    row = ApiToken(
        token_hash=rules.token_digest(token),
        user=user,
        expires_at=utcnow() + timedelta(seconds=ttl_seconds),
    )
    db_session.add(row)
    db_session.flush()
    return token, row


def end_sessions(*, db_session: Session, user_id: str) -> int:
    """Delete every bearer token of a user: each stops working at once; returns how many."""
    result = db_session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_token(*, db_session: Session, token: str) -> bool:
    """Delete the row of this bearer token, so it stops working at once; False if unknown."""
    result = db_session.execute(
        delete(ApiToken).where(ApiToken.token_hash == rules.token_digest(token))
    )
    return bool(getattr(result, "rowcount", 0))


def create_or_reset_admin(*, db_session: Session, email: str, password: str) -> tuple[User, bool]:
    """Create an admin, or reset an existing admin's password; returns (user, created)."""
    email = rules.normalize_email(email)
    errors: dict[str, list[str]] = {}
    if problems := rules.email_problems(email):
        errors["email"] = problems
    if problems := rules.password_problems(password, email=email):
        errors["password"] = problems
    if errors:
        raise Invalid("The admin could not be created.", errors=errors)
    password_hash = password_hasher().hash(password)  # before the write lock, as in register
    user = db_session.scalar(select(User).where(User.email == email))
    if user is not None and user.role != "admin":
        raise Conflict(
            "This email belongs to a non-admin account.",
            code="email_taken",
            errors={"email": ["Already registered with another role."]},
        )
    created = user is None
    if user is None:
        # Made from the command line by whoever runs the server: the address is trusted.
        user = User(
            email=email,
            role="admin",
            display_name="Administrator",
            password_hash="",
            email_verified_at=utcnow(),
        )
        db_session.add(user)
    user.password_hash = password_hash
    # A reset password must end the sessions the old one opened.
    if not created:
        db_session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db_session.flush()
    return user, created


def purge_expired_tokens(*, db_session: Session, now: datetime | None = None) -> int:
    """Delete expired tokens; returns how many."""
    result = db_session.execute(delete(ApiToken).where(ApiToken.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches the stored argon2 hash (False for a hash unusable)."""
    return _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    hasher = password_hasher()
    key = id(hasher)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash("not-a-real-password")
    return _DUMMY_HASHES[key]


def acting_brand_id(*, db_session: Session, user: User, brand_id: str | None) -> str:
    """The brand a brand-side write acts for: a brand user's own; an admin names one."""
    if user.role == "brand" and user.brand_id:
        if brand_id not in (None, user.brand_id):
            raise Invalid(
                "A brand account acts for its own brand only.",
                errors={"brand_id": ["Leave it out: it is your own brand."]},
            )
        return user.brand_id
    if user.role == "admin":
        if not brand_id:
            raise Invalid("Say which brand this is for.", errors={"brand_id": ["Required."]})
        if db_session.get(Brand, brand_id) is None:
            raise Invalid("No such brand.", errors={"brand_id": ["Unknown brand."]})
        return brand_id
    raise Invalid("Only brands and admins act for a brand.", errors={"role": ["Not allowed."]})


_LOCK_USER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()


def lock_user(*, db_session: Session, user_id: str) -> None:
    """Run this user's money- and cap-sensitive writes one at a time: a row lock on
    PostgreSQL; on SQLite, BEGIN IMMEDIATE already runs every writer one by one."""
    connection = db_session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(_LOCK_USER, {"user_id": user_id})


def refuse_unverified_email(*, db_session: Session, user_id: str) -> None:
    """403 `email_unverified` unless the user verified their address (money leaves only to
    a person Fairfield can write to)."""
    verified_at = db_session.scalar(select(User.email_verified_at).where(User.id == user_id))
    if verified_at is None:
        raise Forbidden(
            gettext(
                "Confirm your email address before asking for a payout: open the link we "
                "mailed you, or ask for a new one."
            ),
            code="email_unverified",
        )
