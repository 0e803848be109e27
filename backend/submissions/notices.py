"""The worker's notice of a decision on their submission, queued with the decision: approved,
rejected (with the reasons, to appeal), or an appeal's outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from backend.notices import rules as notice_rules
from backend.notices.service import queue_notice
from backend.stores.models import Store
from backend.submissions import rules
from backend.submissions.models import Submission


def queue_decision_notice(
    *,
    db_session: Session,
    submission_id: str,
    status: str,
    actor: str,
    reasons: list[str],
    comment: str | None,
    appeal_id: str | None,
    now: datetime,
    about: Any = None,
) -> None:
    """Queue the notice of a decision just recorded; nothing for `in_review` (nobody decided
    yet). One per submission and one per appeal, however often the decision is replayed.
    `about`: the submission as _about reads it (an approval's settlement read it already)."""
    if status not in ("approved", "rejected"):
        return
    row = _about(db_session, submission_id) if about is None else about
    pay = rules.approval_pay_minor(
        outcome=row.outcome,
        pay_minor=row.pay_minor,
        show_up_minor=row.show_up_minor,
        mission_id=row.mission_id,
    )
    amount = {"amount_minor": pay, "currency": row.currency}
    facts: dict[str, Any] = {
        "submission_id": submission_id,
        "store": row.store,
        "campaign": row.campaign_name,
    }
    said = comment if actor == "admin" else None  # a deadline's comment is for admins
    if appeal_id is not None:
        kind, act = notice_rules.APPEAL_DECIDED, f"appeal:{appeal_id}"
        facts |= {
            "appeal_id": appeal_id,
            "outcome": _appeal_outcome(status, actor),
            "comment": said,
            "amount": amount if status == "approved" else None,
        }
    elif status == "approved":
        # One identity for either outcome: a submission is decided once outside an appeal.
        kind, act = notice_rules.SUBMISSION_APPROVED, f"submission:{submission_id}"
        facts |= {"amount": amount}
    else:
        kind, act = notice_rules.SUBMISSION_REJECTED, f"submission:{submission_id}"
        facts |= {"reasons": list(reasons), "comment": said, "decided_at": now.isoformat()}
    queue_notice(db_session=db_session, kind=kind, worker_id=row.worker_id, act=act, facts=facts)


def _appeal_outcome(status: str, actor: str) -> str:
    if status == "rejected":
        return "refused"
    return "deadline" if actor == "deadline" else "granted"


def _about(db_session: Session, submission_id: str) -> Any:
    """Whose submission it is, where, for which campaign, and what its mission pays."""
    return db_session.execute(_ABOUT, {"submission_id": submission_id}).one()


_ABOUT = (
    select(
        Submission.worker_id,
        Submission.outcome,
        Submission.mission_id,
        Store.name.label("store"),
        Campaign.name.label("campaign_name"),
        (Mission.reward_amount_minor + Mission.bonus_minor).label("pay_minor"),
        Mission.show_up_minor,
        Mission.reward_currency.label("currency"),
    )
    .join(Mission, Mission.id == Submission.mission_id)
    .join(Store, Store.id == Mission.store_id)
    .join(Campaign, Campaign.id == Mission.campaign_id)
    .where(Submission.id == bindparam("submission_id"))
)
