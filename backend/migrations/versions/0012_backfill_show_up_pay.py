"""Give show-up pay to the missions published before publishing fixed it.

0007 added `missions.show_up_minor` empty; publishing fills it since, and until now the
ledger figured it at the first closed-store approval. The approval now reads it from the
mission (submissions.settlement), so every mission past its draft gets it here, figured the
way publishing does (campaigns.service.show_up_pay): FAIRFIELD_SHOW_UP_SHARE_PERCENT of its
reward and bonus, rounded half up, at least FAIRFIELD_SHOW_UP_MIN (in the mission's
currency), never more than the pay. Drafts stay empty: publishing figures theirs.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 16:00:00
"""

import os
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

from backend.config import DEFAULTS
from backend.kernel.money import parse_money_setting

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT = sa.text(
    "SELECT id, reward_amount_minor + bonus_minor AS pay, reward_currency FROM missions "
    "WHERE show_up_minor IS NULL AND status <> 'draft'"
)
FILL = sa.text("UPDATE missions SET show_up_minor = :show_up WHERE id = :id")


def _setting(name: str) -> Any:
    # `flask db upgrade` runs in the app, whose settings publishing used; alembic alone
    # reads the environment the app would.
    if has_app_context():
        return current_app.config[name]
    return os.environ.get(f"FAIRFIELD_{name}", DEFAULTS[name])


def show_up_pay(pay_minor: int, share_percent: int, min_minor: int) -> int:
    """A share of the pay, rounded half up, at least the minimum, at most the pay (frozen
    here as ledger.rules.show_up_pay was when this was written)."""
    share = (Decimal(pay_minor) * share_percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return min(max(int(share), min_minor), pay_minor)


def upgrade() -> None:
    share = int(str(_setting("SHOW_UP_SHARE_PERCENT")).strip())
    minimum = parse_money_setting(_setting("SHOW_UP_MIN"), name="FAIRFIELD_SHOW_UP_MIN")
    bind = op.get_bind()
    filled = [
        {
            "id": row.id,
            "show_up": show_up_pay(
                row.pay,
                share,
                minimum.amount_minor if minimum.currency == row.reward_currency else 0,
            ),
        }
        for row in bind.execute(WITHOUT)
        if row.pay > 0  # a mission paying nothing pays nothing for a closed store either
    ]
    if filled:
        bind.execute(FILL, filled)


def downgrade() -> None:
    # Nothing to undo: the figures are valid at 0011 too (the first closed-store approval
    # would have kept the same one), and which were filled here is not known any more.
    pass
