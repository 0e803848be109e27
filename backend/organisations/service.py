"""What an organisation's pages read: the organisation with its members, an invitation by
its link. Writes live in `invites`, `members` and `keys`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.accounts.models import Brand, User
from backend.errors import not_found
from backend.organisations import invites, members, presenters


def organisation(*, db_session: Session, user: User) -> dict[str, Any]:
    """The caller's organisation with its members."""
    brand = db_session.get(Brand, user.brand_id) if user.brand_id else None
    if brand is None:
        raise not_found("organisation")
    found = members.members(db_session=db_session, brand_id=brand.id)
    return presenters.organisation_out(brand, found)


def invite_by_link(*, db_session: Session, token: str, now: datetime) -> dict[str, Any]:
    """What an invitation's link opens: the organisation, the address and the role."""
    invite = invites.pending_invite(db_session=db_session, token=token, now=now)
    brand = db_session.get(Brand, invite.brand_id)
    assert brand is not None
    return presenters.invite_out(invite, brand)
