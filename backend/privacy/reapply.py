"""Erasures made again after a restore: the backup predates them, the erasure log does not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.erasures import log as erasure_log
from backend.payouts import closing
from backend.privacy import service
from backend.storage import PhotoStore


def reapply_erasure(
    *, db_session: Session, line: dict[str, Any], store: PhotoStore, now: datetime
) -> bool:
    """Make a logged erasure again unless the database's own log holds it (the backup had
    it already); keep it in that log. True if it was made again."""
    if erasure_log.is_logged(db_session=db_session, entry_id=line["id"]):
        return False
    targets = list(line["target_ids"])
    if line["kind"] == "account":
        for user_id in targets:
            user = db_session.get(User, user_id)
            # Not in the backup at all (signed up after it): nothing of theirs came back.
            if user is not None and user.role == "worker":
                erased_at = datetime.fromisoformat(line["at"])
                service.overwrite_account(db_session=db_session, user=user, store=store, now=now)
                user.erased_at = erased_at
    elif line["kind"] == "locations":
        service.reduce_locations_again(db_session=db_session, submission_ids=targets, now=now)
    else:
        closing.erase_bank_details(db_session=db_session, payout_request_ids=targets)
    erasure_log.keep(db_session=db_session, line=line)
    return True
