"""Write a queued notice: its facts, recorded with the act, in the worker's language now.

The mail task's composer for the four notices; it sends nothing when the worker was erased
or turned notices off after the act, or the address changed meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.mail.models import MailMessage
from backend.mail.sending import Composer, Letter
from backend.notices import rules, words
from backend.notices.service import wants_notices

# (facts, locale, appeal window in days) -> the template's values but name and link.
_Values = Callable[[dict[str, Any], str, float], dict[str, str]]


def _approved(facts: dict[str, Any], locale: str, _window: float) -> dict[str, str]:
    return {
        "store": facts["store"],
        "campaign": facts["campaign"],
        "amount": rules.amount_words(facts["amount"], locale),
    }


def _rejected(facts: dict[str, Any], locale: str, window_days: float) -> dict[str, str]:
    deadline = rules.appeal_deadline(datetime.fromisoformat(facts["decided_at"]), window_days)
    return {
        "store": facts["store"],
        "campaign": facts["campaign"],
        "reasons": words.reasons(facts["reasons"], locale),
        "comment": words.comment(facts.get("comment"), locale),
        "deadline": rules.when_words(deadline, locale),
    }


def _appeal(facts: dict[str, Any], locale: str, _window: float) -> dict[str, str]:
    outcome, sentence = words.appeal_outcome(facts["outcome"], locale)
    amount = facts.get("amount")
    return {
        "store": facts["store"],
        "campaign": facts["campaign"],
        "outcome": outcome,
        "outcome_sentence": sentence.format(
            amount=rules.amount_words(amount, locale) if amount else ""
        ),
        "comment": words.comment(facts.get("comment"), locale),
    }


def _payout(facts: dict[str, Any], locale: str, _window: float) -> dict[str, str]:
    return {
        "amount": rules.amount_words(facts["amount"], locale),
        "accounts": ", ".join(facts["accounts"]),
    }


_VALUES: dict[str, _Values] = {
    rules.SUBMISSION_APPROVED: _approved,
    rules.SUBMISSION_REJECTED: _rejected,
    rules.APPEAL_DECIDED: _appeal,
    rules.PAYOUT_SENT: _payout,
}


def _link(public_url: str, kind: str, facts: dict[str, Any]) -> str:
    """Where the worker app shows what the notice is about."""
    if kind == rules.PAYOUT_SENT:
        return f"{public_url}/app/#/money"
    return f"{public_url}/app/#/submission/{facts['submission_id']}"


def composer(*, public_url: str, appeal_window_days: float) -> Composer:
    """The mail task's composer for notices: the worker's name and language read now, the
    facts as the act recorded them; None when the notice should no longer go."""

    def letter(db_session: Session, message: MailMessage, now: datetime) -> Letter | None:
        user = db_session.get(User, message.ref_id) if message.ref_id else None
        if user is None or not wants_notices(user) or user.email != message.to_address:
            return None
        facts = message.facts or {}
        values = _VALUES[message.kind](facts, user.locale, appeal_window_days)
        values |= {
            "name": user.display_name,
            "link": _link(public_url, message.kind, facts),
        }
        return Letter(values=values, locale=user.locale)

    return letter
