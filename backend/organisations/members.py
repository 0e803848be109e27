"""An organisation's members: who they are, their roles changed, members removed. Keyword-
only services; they flush, never commit. An organisation always keeps an owner: the last
one can be neither removed nor demoted (409 `last_owner`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.accounts import apikeys
from backend.accounts import service as accounts
from backend.accounts.models import ORG_ROLES, Brand, User
from backend.errors import Conflict, Invalid, not_found
from backend.i18n import gettext
from backend.organisations import audit
from backend.organisations.models import OrganisationInvite


def members(*, db_session: Session, brand_id: str) -> list[User]:
    """The organisation's members (not those removed), owners first, then by name."""
    order = {role: index for index, role in enumerate(ORG_ROLES)}
    found = db_session.scalars(
        select(User).where(User.brand_id == brand_id, User.removed_at.is_(None))
    ).all()
    return sorted(found, key=lambda user: (order.get(user.org_role or "", 9), user.display_name))


def remove_member(*, db_session: Session, actor: User, user_id: str, now: datetime) -> User:
    """Remove a member: their sessions end and their keys stop working at once, and they
    can no longer sign in; the row stays for the audit log."""
    member = _member(db_session, actor, user_id)
    if member.org_role == "owner":
        _keep_an_owner(db_session, member)
    member.removed_at = now
    # Invitations they sent and nobody accepted yet go with them: a removed owner could
    # otherwise come back in through a second address.
    db_session.execute(
        delete(OrganisationInvite).where(
            OrganisationInvite.invited_by == member.id, OrganisationInvite.accepted_at.is_(None)
        )
    )
    accounts.end_sessions(db_session=db_session, user_id=member.id)
    apikeys.revoke_keys_of(db_session=db_session, user_id=member.id, now=now)
    audit.record(
        db_session=db_session,
        brand_id=member.brand_id or "",
        actor_id=actor.id,
        action="member.removed",
        target_type="user",
        target_id=member.id,
        detail={"email": member.email, "role": member.org_role},
    )
    db_session.flush()
    return member


def change_role(*, db_session: Session, actor: User, user_id: str, role: str) -> User:
    """Give a member another role; demoting the last owner is 409 `last_owner`."""
    if role not in ORG_ROLES:
        raise Invalid(
            gettext("The role could not be changed."),
            errors={"role": [f"Must be one of: {', '.join(ORG_ROLES)}."]},
        )
    member = _member(db_session, actor, user_id)
    before = member.org_role
    if before == role:
        return member
    if before == "owner":
        _keep_an_owner(db_session, member)
    member.org_role = role
    audit.record(
        db_session=db_session,
        brand_id=member.brand_id or "",
        actor_id=actor.id,
        action="member.role_changed",
        target_type="user",
        target_id=member.id,
        detail={"from": before, "to": role},
    )
    db_session.flush()
    return member


def _member(db_session: Session, actor: User, user_id: str) -> User:
    """A member of the actor's organisation, not removed; 404 for anyone else."""
    member = db_session.get(User, user_id)
    if (
        member is None
        or member.role != "brand"
        or member.brand_id != actor.brand_id
        or member.removed_at is not None
    ):
        raise not_found("member")
    return member


def _keep_an_owner(db_session: Session, leaving: User) -> None:
    """Refuse to take away the organisation's last owner (409 `last_owner`)."""
    # Owners changing one another at once must see each other's change: lock the
    # organisation's row first (PostgreSQL; SQLite runs writers one at a time).
    connection = db_session.connection()
    if connection.dialect.name != "sqlite":
        db_session.execute(select(Brand.id).where(Brand.id == leaving.brand_id).with_for_update())
    owners = db_session.scalar(
        select(func.count(User.id)).where(
            User.brand_id == leaving.brand_id,
            User.org_role == "owner",
            User.removed_at.is_(None),
            User.id != leaving.id,
        )
    )
    if not owners:
        raise Conflict(
            gettext("An organisation needs an owner: make another member owner first."),
            code="last_owner",
        )
