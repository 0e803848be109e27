"""The caller's profile as GET /me shows it: the account and, for a worker, their standing
(balance, approved missions, level). Above accounts, which knows neither ledger nor
submissions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts import rules as account_rules
from backend.accounts.models import User
from backend.ledger.service import worker_balance
from backend.organisations.presenters import organisation_of
from backend.submissions.models import Submission


def profile(*, db_session: Session, user: User) -> dict[str, Any]:
    """The caller's profile; a worker's also has their balance, approved missions and level."""
    shown: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "display_name": user.display_name,
        "brand": user.brand,
        "created_at": user.created_at,
        "email_verified": user.email_verified,
        "locale": user.locale,
        "notify_by_email": user.notify_by_email,
        "organisation": organisation_of(user),
        "balance": None,
        "approved_missions": None,
        "level": None,
    }
    if user.role != "worker":
        return shown
    approved = db_session.scalar(
        select(func.count(Submission.id)).where(
            Submission.worker_id == user.id, Submission.status == "approved"
        )
    )
    shown["balance"] = worker_balance(db_session=db_session, worker_id=user.id)
    shown["approved_missions"] = int(approved or 0)
    shown["level"] = account_rules.level(shown["approved_missions"])
    return shown
