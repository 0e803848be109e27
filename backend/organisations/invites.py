"""Invitations to an organisation: made by an owner, mailed as a single-use, expiring link,
accepted by someone with no account yet. Keyword-only services; they flush, never commit.

As with a password reset, the link's secret is made when the mail is composed (`composer`,
run by the mail task) and stored hashed, so it exists in that mail alone. An invitation
unknown, used or expired gets one and the same answer: 404 `invite_invalid`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.accounts import rules as account_rules
from backend.accounts import service as accounts
from backend.accounts.models import LOCALES, ORG_ROLES, Brand, User
from backend.errors import Conflict, Invalid, NotFound
from backend.i18n import gettext
from backend.mail import service as mail
from backend.mail.models import MailMessage
from backend.mail.sending import Composer, Letter
from backend.mail.templates import duration
from backend.organisations import audit
from backend.organisations.models import OrganisationInvite

KIND = "organisation_invite"
PAGE = "/invite"
# A role in the words of the mail's language.
ROLE_WORDS = {
    "en": {"owner": "an owner", "manager": "a manager", "viewer": "a viewer"},
    "fr": {"owner": "propriétaire", "manager": "gestionnaire", "viewer": "lecteur"},
    "nl": {"owner": "eigenaar", "manager": "beheerder", "viewer": "kijker"},
}


def invite_member(
    *,
    db_session: Session,
    inviter: User,
    brand_id: str,
    email: str,
    role: str,
    locale: str,
    ttl_seconds: int,
    now: datetime,
) -> OrganisationInvite:
    """Invite `email` into the organisation in `role`; the link is mailed after commit."""
    email = account_rules.normalize_email(email)
    errors: dict[str, list[str]] = {}
    if problems := account_rules.email_problems(email):
        errors["email"] = problems
    if role not in ORG_ROLES:
        errors["role"] = [f"Must be one of: {', '.join(ORG_ROLES)}."]
    if locale not in LOCALES:
        errors["locale"] = [f"Must be one of: {', '.join(LOCALES)}."]
    if errors:
        raise Invalid(gettext("The invitation could not be made."), errors=errors)
    if db_session.scalar(select(User.id).where(User.email == email)):
        raise _account_exists()
    invite = OrganisationInvite(
        brand_id=brand_id,
        email=email,
        role=role,
        locale=locale,
        invited_by=inviter.id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    db_session.add(invite)
    db_session.flush()
    mail.queue(db_session=db_session, kind=KIND, to_address=email, locale=locale, ref_id=invite.id)
    audit.record(
        db_session=db_session,
        brand_id=brand_id,
        actor_id=inviter.id,
        action="member.invited",
        target_type="invite",
        target_id=invite.id,
        detail={"email": email, "role": role},
    )
    return invite


def composer(*, public_url: str) -> Composer:
    """The mail task's composer for invitations: makes the link's secret (stored hashed) and
    gives the template its values; None (nothing sent) when the invitation was accepted or
    expired meanwhile."""

    def letter(db_session: Session, message: MailMessage, now: datetime) -> Letter | None:
        invite = db_session.get(OrganisationInvite, message.ref_id) if message.ref_id else None
        if invite is None or invite.accepted_at is not None or invite.expires_at <= now:
            return None
        raw = account_rules.new_link_token()
        # A mail sent again (a failed delivery) carries a new secret; the last one counts.
        invite.token_hash = account_rules.token_digest(raw)
        db_session.flush()
        brand = db_session.get(Brand, invite.brand_id)
        inviter = db_session.get(User, invite.invited_by) if invite.invited_by else None
        lifetime = int((invite.expires_at - invite.created_at).total_seconds())
        locale = invite.locale
        values = {
            "inviter": inviter.display_name if inviter is not None else brand.name if brand else "",
            "organisation": brand.name if brand is not None else "",
            "role": ROLE_WORDS.get(locale, ROLE_WORDS["en"])[invite.role],
            "email": invite.email,
            "link": f"{public_url}{PAGE}?token={raw}",
            "validity": duration(lifetime, locale),
        }
        return Letter(values=values, locale=locale)

    return letter


def pending_invite(*, db_session: Session, token: str, now: datetime) -> OrganisationInvite:
    """The invitation a link's secret opens, if still usable; 404 `invite_invalid` else."""
    invite = db_session.scalar(
        select(OrganisationInvite).where(
            OrganisationInvite.token_hash == account_rules.token_digest(token),
            OrganisationInvite.accepted_at.is_(None),
            OrganisationInvite.expires_at > now,
        )
    )
    if invite is None:
        raise _invite_invalid()
    return invite


def accept_invite(
    *,
    db_session: Session,
    token: str,
    password: str,
    display_name: str,
    ttl_seconds: int,
    now: datetime,
) -> tuple[str, User]:
    """Use an invitation up: its account is made (the address counts as verified: its owner
    read the mail) and signed in; returns the new bearer token and the member."""
    _check_acceptance(password=password, display_name=display_name)
    # Hashed before the first statement: the write lock (SQLite) is taken only for writes.
    password_hash = accounts.password_hasher().hash(password)
    invite = _take_invite(db_session, token, now)
    if problems := account_rules.password_problems(password, email=invite.email):
        raise Invalid(
            gettext("The invitation could not be accepted."), errors={"password": problems}
        )
    user = _new_member(db_session, invite, password_hash, display_name.strip(), now)
    audit.record(
        db_session=db_session,
        brand_id=invite.brand_id,
        actor_id=user.id,
        action="member.joined",
        target_type="user",
        target_id=user.id,
        detail={"role": invite.role, "invite_id": invite.id},
    )
    token_text, _row = accounts.open_session(
        db_session=db_session, user=user, ttl_seconds=ttl_seconds
    )
    return token_text, user


def _check_acceptance(*, password: str, display_name: str) -> None:
    """Refuse what is wrong with the form before anything is written (422 naming fields)."""
    errors: dict[str, list[str]] = {}
    if problems := account_rules.password_problems(password, email=""):
        errors["password"] = problems
    if not display_name.strip():
        errors["display_name"] = [gettext("Must not be blank.")]
    if errors:
        raise Invalid(gettext("The invitation could not be accepted."), errors=errors)


def _take_invite(db_session: Session, token: str, now: datetime) -> OrganisationInvite:
    """Mark the invitation used, in one conditional UPDATE (two acceptances at once cannot
    both pass); 404 invite_invalid when unknown, used or expired."""
    invite_id = db_session.scalar(
        update(OrganisationInvite)
        .where(
            OrganisationInvite.token_hash == account_rules.token_digest(token),
            OrganisationInvite.accepted_at.is_(None),
            OrganisationInvite.expires_at > now,
        )
        .values(accepted_at=now)
        .returning(OrganisationInvite.id)
        .execution_options(synchronize_session=False)
    )
    invite = db_session.get(OrganisationInvite, invite_id) if invite_id else None
    if invite is None:
        raise _invite_invalid()
    return invite


def _new_member(
    db_session: Session, invite: OrganisationInvite, password_hash: str, name: str, now: datetime
) -> User:
    """The invited person's account, in the invitation's organisation and role; 409
    account_exists when the address has an account (or takes one meanwhile)."""
    if db_session.scalar(select(User.id).where(User.email == invite.email)):
        raise _account_exists()
    user = User(
        email=invite.email,
        password_hash=password_hash,
        role="brand",
        org_role=invite.role,
        brand_id=invite.brand_id,
        display_name=name,
        locale=invite.locale,
        email_verified_at=now,
    )
    try:
        with db_session.begin_nested():  # the address taken meanwhile: a 409, not a 500
            db_session.add(user)
            db_session.flush()
    except IntegrityError:
        raise _account_exists() from None
    invite.accepted_user_id = user.id
    return user


def purge_expired(*, db_session: Session, now: datetime) -> int:
    """Delete invitations never accepted whose link expired; returns how many (accepted
    ones stay: they say who brought a member in)."""
    result = db_session.execute(
        delete(OrganisationInvite).where(
            OrganisationInvite.accepted_at.is_(None), OrganisationInvite.expires_at <= now
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _invite_invalid() -> NotFound:
    # One answer for an invitation unknown, used or expired: nothing tells them apart.
    return NotFound(
        gettext("This invitation is not valid: it was used already, has expired, or is mistyped."),
        code="invite_invalid",
    )


def _account_exists() -> Conflict:
    return Conflict(
        gettext("An account with this email exists; it cannot join another organisation."),
        code="account_exists",
        errors={"email": [gettext("Already registered.")]},
    )
