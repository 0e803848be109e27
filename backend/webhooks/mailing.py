"""The mail telling an organisation's owners that a subscription was disabled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Brand, User
from backend.mail.models import MailMessage
from backend.mail.sending import Composer, Letter
from backend.webhooks import rules
from backend.webhooks.models import WebhookSubscription
from backend.webhooks.service import DISABLED_MAIL

KINDS = (DISABLED_MAIL,)
PAGE = "/#/webhooks"  # the console's webhooks screen


def composer(*, public_url: str) -> Composer:
    """The mail task's composer for webhook mail; None (nothing sent) when the subscription
    was deleted meanwhile or the owner's account is gone."""

    def letter(db_session: Session, message: MailMessage, now: datetime) -> Letter | None:
        subscription = db_session.get(WebhookSubscription, message.ref_id or "")
        user = db_session.scalar(
            select(User).where(
                User.email == message.to_address,
                User.erased_at.is_(None),
                User.removed_at.is_(None),
            )
        )
        if subscription is None or user is None or user.brand_id != subscription.brand_id:
            return None
        brand = db_session.get_one(Brand, subscription.brand_id)
        values = {
            "name": user.display_name,
            "url": subscription.url,
            "failures": str(rules.DISABLE_AFTER),
            "organisation": brand.name,
            "link": f"{public_url}{PAGE}",
        }
        return Letter(values=values, locale=user.locale)

    return letter
