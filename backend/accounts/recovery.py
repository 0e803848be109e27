"""Recoverable accounts: the address verified, a forgotten password reset by mail, the
password changed, the profile edited. Keyword-only services; they flush, never commit.

Mailed links carry a secret made when the mail is composed (`composer`, run by the mail
task), stored as its SHA-256 only, single use and expiring. A used, expired and unknown
secret get one and the same answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.accounts import rules
from backend.accounts.models import LOCALES, AccountToken, ApiToken, User
from backend.accounts.service import password_hasher, verify_password
from backend.errors import Conflict, Invalid
from backend.i18n import gettext
from backend.mail import service as mail
from backend.mail.models import MailMessage
from backend.mail.sending import Composer, Letter
from backend.mail.templates import duration

RESET, VERIFICATION = rules.PASSWORD_RESET, rules.EMAIL_VERIFICATION
PAGES = {RESET: "/reset-password", VERIFICATION: "/verify-email"}


def request_password_reset(*, db_session: Session, email: str, locale: str) -> None:
    """Queue a reset mail to this address, whether or not an account has it: the request
    does the same work either way, and the mail task sends nothing when none has."""
    mail.queue(
        db_session=db_session, kind=RESET, to_address=rules.normalize_email(email), locale=locale
    )


def composer(*, public_url: str, reset_ttl_seconds: int, verification_ttl_seconds: int) -> Composer:
    """The mail task's composer for account mail: finds the account, makes the link's
    secret (stored hashed) and gives the template its values; None when there is nothing
    to send (no account has the address, it is verified already, the account is gone)."""
    ttls = {RESET: reset_ttl_seconds, VERIFICATION: verification_ttl_seconds}

    def letter(db_session: Session, message: MailMessage, now: datetime) -> Letter | None:
        user = _addressee(db_session, message)
        if user is None:
            return None
        ttl = ttls[message.kind]
        raw = rules.new_link_token()
        db_session.add(
            AccountToken(
                token_hash=rules.token_digest(raw),
                user_id=user.id,
                purpose=message.kind,
                created_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        db_session.flush()
        link = f"{public_url}{PAGES[message.kind]}?token={raw}"
        values = {
            "name": user.display_name,
            "email": user.email,
            "link": link,
            "validity": duration(ttl, user.locale),
        }
        return Letter(values=values, locale=user.locale)

    return letter


def _addressee(db_session: Session, message: MailMessage) -> User | None:
    """The account a queued account mail is for, if it should still go."""
    if message.kind == RESET:
        return db_session.scalar(
            select(User).where(
                User.email == message.to_address,
                User.erased_at.is_(None),
                User.removed_at.is_(None),  # removed from their organisation: no way back in
            )
        )
    if message.kind == VERIFICATION and message.ref_id:
        user = db_session.get(User, message.ref_id)
        if user is None or user.erased_at is not None or user.email_verified_at is not None:
            return None
        return user if user.email == message.to_address else None
    return None


def _bad_token() -> Invalid:
    # One answer for a secret unknown, used or expired: nothing tells them apart.
    return Invalid(
        gettext("This link is not valid: it was used already, has expired, or is mistyped."),
        code="invalid_token",
        errors={"token": [gettext("Invalid or expired. Ask for a new link.")]},
    )


def _redeem(db_session: Session, *, token: str, purpose: str, now: datetime) -> User:
    """Use a mailed secret up: one conditional DELETE, so two uses at once cannot both
    pass; the user's other secrets of this purpose go with it."""
    user_id = db_session.scalar(
        delete(AccountToken)
        .where(
            AccountToken.token_hash == rules.token_digest(token),
            AccountToken.purpose == purpose,
            AccountToken.expires_at > now,
        )
        .returning(AccountToken.user_id)
    )
    user = db_session.get(User, user_id) if user_id else None
    if user is None or user.erased_at is not None:
        raise _bad_token()
    _drop_secrets(db_session, user.id, purpose)
    return user


def _drop_secrets(db_session: Session, user_id: str, purpose: str) -> None:
    db_session.execute(
        delete(AccountToken).where(AccountToken.user_id == user_id, AccountToken.purpose == purpose)
    )


def reset_password(*, db_session: Session, token: str, password: str, now: datetime) -> User:
    """Set a new password with a reset link's secret; every session of the account ends.
    Opening the mailed link also proves the address, so it counts as verified."""
    if problems := rules.password_problems(password, email=""):
        raise Invalid(gettext("The password could not be changed."), errors={"password": problems})
    # Hashed before the first statement: the write lock (SQLite) is taken only for writes.
    password_hash = password_hasher().hash(password)
    user = _redeem(db_session, token=token, purpose=RESET, now=now)
    if problems := rules.password_problems(password, email=user.email):
        raise Invalid(gettext("The password could not be changed."), errors={"password": problems})
    user.password_hash = password_hash
    if user.email_verified_at is None:
        user.email_verified_at = now
    db_session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db_session.flush()
    return user


def verify_email(*, db_session: Session, token: str, now: datetime) -> User:
    """Mark the address verified with a verification link's secret."""
    user = _redeem(db_session, token=token, purpose=VERIFICATION, now=now)
    if user.email_verified_at is None:
        user.email_verified_at = now
    db_session.flush()
    return user


def change_password(
    *, db_session: Session, user: User, current_password: str, new_password: str, keep_token: str
) -> None:
    """Change a signed-in user's password; their other sessions end, the one used stays,
    and reset links still unused stop working."""
    errors: dict[str, list[str]] = {}
    if problems := rules.password_problems(new_password, email=user.email):
        errors["new_password"] = problems
    old_hash = user.password_hash
    if not verify_password(old_hash, current_password):
        errors["current_password"] = [gettext("Wrong password.")]
    if errors:
        code = "wrong_password" if "current_password" in errors else None
        raise Invalid(gettext("The password could not be changed."), code=code, errors=errors)
    new_hash = password_hasher().hash(new_password)  # before the write lock, as at sign-up
    changed = db_session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == old_hash)
        .values(password_hash=new_hash)
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 0):
        raise Conflict(
            gettext("The password was changed meanwhile: sign in again."), code="password_changed"
        )
    set_committed_value(user, "password_hash", new_hash)  # written above; no second UPDATE
    db_session.execute(
        delete(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.token_hash != rules.token_digest(keep_token)
        )
    )
    _drop_secrets(db_session, user.id, RESET)
    db_session.flush()


def update_profile(
    *,
    db_session: Session,
    user: User,
    display_name: str | None = None,
    locale: str | None = None,
    notify_by_email: bool | None = None,
) -> User:
    """Change the name shown, the language of the mail and whether notices are mailed;
    fields left out stay."""
    errors: dict[str, list[str]] = {}
    if display_name is not None and not display_name.strip():
        errors["display_name"] = [gettext("Must not be blank.")]
    if locale is not None and locale not in LOCALES:
        errors["locale"] = [f"Must be one of: {', '.join(LOCALES)}."]
    if errors:
        raise Invalid(gettext("The profile could not be changed."), errors=errors)
    if display_name is not None:
        user.display_name = display_name.strip()
    if locale is not None:
        user.locale = locale
    if notify_by_email is not None:
        user.notify_by_email = notify_by_email
    db_session.flush()
    return user


def forget(*, db_session: Session, user: User) -> None:
    """Delete the user's mailed secrets and their mail (erasure; before the address goes)."""
    db_session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    mail.forget(db_session=db_session, ref_id=user.id, address=user.email)


def purge_expired(*, db_session: Session, now: datetime) -> int:
    """Delete mailed secrets past their expiry; returns how many."""
    result = db_session.execute(delete(AccountToken).where(AccountToken.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
