"""Reopen the missions a rejection left `submitted` before rejections reopened them.

Before 0010's code a rejected mission stayed `submitted` for good: nobody could claim it and
the brand never got that store's data. Such a mission, with no submission on its way to a
decision (nor approved, nor under appeal) and no active claim, is open again while its
campaign is published and running, else expired, as a rejection does today
(review.missions). On SQLite the status UPDATE fires the R*Tree trigger of 0002, so the
reopened missions join the nearby index; PostgreSQL's partial GiST index follows by itself.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A submission in one of these still decides (or decided) the mission: leave it alone.
LIVE_SUBMISSIONS = ("uploading", "received", "validating", "in_review", "appealed", "approved")

REOPEN = sa.text(
    """
    UPDATE missions SET status = CASE
        WHEN EXISTS (
            SELECT 1 FROM campaigns
            WHERE campaigns.id = missions.campaign_id
              AND campaigns.status = 'published' AND campaigns.ends_at > :now
        ) THEN 'open'
        ELSE 'expired'
    END
    WHERE status = 'submitted'
      AND NOT EXISTS (
        SELECT 1 FROM submissions
        WHERE submissions.mission_id = missions.id AND submissions.status IN :live
      )
      AND NOT EXISTS (
        SELECT 1 FROM assignments
        WHERE assignments.mission_id = missions.id AND assignments.status = 'active'
      )
    """
).bindparams(
    sa.bindparam("now", type_=backend.db.UTCDateTime()),
    sa.bindparam("live", expanding=True),
)


def upgrade() -> None:
    op.get_bind().execute(REOPEN, {"now": datetime.now(UTC), "live": list(LIVE_SUBMISSIONS)})


def downgrade() -> None:
    # Nothing to undo: the reopened missions are valid at 0010 too, and putting them back
    # to `submitted` would strand them again (and drop the claims made on them since).
    pass
