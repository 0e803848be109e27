"""The review queue's counts kept as they change: review_queue_counts, one row (SQLite) or a
few rows summed (PostgreSQL) per kind of waiting submission, written by triggers on
submissions, and filled here from the submissions waiting now.

Triggers rather than calls in the services: every write of a waiting submission counts, the
machine's decisions, a reviewer's, a bulk approval's, the deadline's and an erasure's alike.
On PostgreSQL a trigger appends +1 or -1 and never updates a shared row, so two decisions
never wait for each other; every 64th row appended folds the rows no other transaction holds
(SKIP LOCKED) into one per key. SQLite runs one writer at a time and keeps one row per key.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "review_queue_counts"
# The columns of the triggers' UPDATE OF: what moves a submission in or out of a count.
COUNTED = "status, flags, review_rank, brand_id, mission_id"
FOLD_EVERY = 64

FILL = f"""INSERT INTO {TABLE} (flags, review_rank, brand_id, campaign_id, waiting)
SELECT CAST(s.flags AS TEXT), s.review_rank, s.brand_id, m.campaign_id, count(*)
FROM submissions s JOIN missions m ON m.id = s.mission_id
WHERE s.status = 'in_review'
GROUP BY CAST(s.flags AS TEXT), s.review_rank, s.brand_id, m.campaign_id"""  # noqa: S608


def _sqlite_key(row: str) -> str:
    campaign = f"(SELECT campaign_id FROM missions WHERE id = {row}.mission_id)"  # noqa: S608
    return (
        f"flags = CAST({row}.flags AS TEXT) AND review_rank = {row}.review_rank "
        f"AND brand_id = {row}.brand_id AND campaign_id = {campaign}"
    )


def _sqlite_add(row: str) -> str:
    """The statements that count `row` (NEW) in: its key's row made if missing, then +1."""
    return f"""INSERT INTO {TABLE} (flags, review_rank, brand_id, campaign_id, waiting)
    SELECT CAST({row}.flags AS TEXT), {row}.review_rank, {row}.brand_id, m.campaign_id, 0
    FROM missions m WHERE m.id = {row}.mission_id AND {row}.status = 'in_review'
    AND NOT EXISTS (SELECT 1 FROM {TABLE} WHERE {_sqlite_key(row)});
  UPDATE {TABLE} SET waiting = waiting + 1
    WHERE {row}.status = 'in_review' AND {_sqlite_key(row)};"""  # noqa: S608


def _sqlite_remove(row: str) -> str:
    """The statements that count `row` (OLD) out: -1, and its key's row gone at 0."""
    return f"""UPDATE {TABLE} SET waiting = waiting - 1
    WHERE {row}.status = 'in_review' AND {_sqlite_key(row)};
  DELETE FROM {TABLE} WHERE waiting = 0 AND {_sqlite_key(row)};"""  # noqa: S608


SQLITE = {
    "review_queue_counts_insert": f"""CREATE TRIGGER review_queue_counts_insert
  AFTER INSERT ON submissions WHEN NEW.status = 'in_review'
  BEGIN {_sqlite_add("NEW")} END""",
    "review_queue_counts_update": f"""CREATE TRIGGER review_queue_counts_update
  AFTER UPDATE OF {COUNTED} ON submissions
  WHEN OLD.status = 'in_review' OR NEW.status = 'in_review'
  BEGIN {_sqlite_remove("OLD")} {_sqlite_add("NEW")} END""",
    "review_queue_counts_delete": f"""CREATE TRIGGER review_queue_counts_delete
  AFTER DELETE ON submissions WHEN OLD.status = 'in_review'
  BEGIN {_sqlite_remove("OLD")} END""",
}

POSTGRESQL_FUNCTIONS = {
    "review_queue_counts_fold": f"""CREATE FUNCTION review_queue_counts_fold() RETURNS void
LANGUAGE sql AS $$
  WITH gone AS (
    DELETE FROM {TABLE}
    WHERE id IN (SELECT id FROM {TABLE} FOR UPDATE SKIP LOCKED)
    RETURNING flags, review_rank, brand_id, campaign_id, waiting
  )
  INSERT INTO {TABLE} (flags, review_rank, brand_id, campaign_id, waiting)
  SELECT flags, review_rank, brand_id, campaign_id, sum(waiting) FROM gone
  GROUP BY flags, review_rank, brand_id, campaign_id HAVING sum(waiting) <> 0
$$""",  # noqa: S608
    "review_queue_counts_change": f"""CREATE FUNCTION review_queue_counts_change()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  appended bigint;
  folds boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status = 'in_review' THEN
    INSERT INTO {TABLE} (flags, review_rank, brand_id, campaign_id, waiting)
    SELECT CAST(OLD.flags AS TEXT), OLD.review_rank, OLD.brand_id, m.campaign_id, -1
    FROM missions m WHERE m.id = OLD.mission_id
    RETURNING id INTO appended;
    folds := appended % {FOLD_EVERY} = 0;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status = 'in_review' THEN
    INSERT INTO {TABLE} (flags, review_rank, brand_id, campaign_id, waiting)
    SELECT CAST(NEW.flags AS TEXT), NEW.review_rank, NEW.brand_id, m.campaign_id, 1
    FROM missions m WHERE m.id = NEW.mission_id
    RETURNING id INTO appended;
    folds := folds OR appended % {FOLD_EVERY} = 0;
  END IF;
  IF folds THEN
    PERFORM review_queue_counts_fold();
  END IF;
  RETURN NULL;
END
$$""",  # noqa: S608
}
POSTGRESQL_TRIGGERS = {
    "review_queue_counts_insert": """CREATE TRIGGER review_queue_counts_insert
  AFTER INSERT ON submissions FOR EACH ROW WHEN (NEW.status = 'in_review')
  EXECUTE FUNCTION review_queue_counts_change()""",
    "review_queue_counts_update": f"""CREATE TRIGGER review_queue_counts_update
  AFTER UPDATE OF {COUNTED} ON submissions FOR EACH ROW
  WHEN (OLD.status = 'in_review' OR NEW.status = 'in_review')
  EXECUTE FUNCTION review_queue_counts_change()""",
    "review_queue_counts_delete": """CREATE TRIGGER review_queue_counts_delete
  AFTER DELETE ON submissions FOR EACH ROW WHEN (OLD.status = 'in_review')
  EXECUTE FUNCTION review_queue_counts_change()""",
}


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("review_rank", sa.SmallInteger(), nullable=False),
        sa.Column("brand_id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_queue_counts")),
    )
    op.create_index(
        "ix_review_queue_counts_key",
        TABLE,
        ["brand_id", "campaign_id", "review_rank", "flags"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # The table and the triggers first, then the fill, in one transaction: the triggers'
        # lock on submissions holds every writer until the fill has counted what they did.
        for ddl in [*POSTGRESQL_FUNCTIONS.values(), *POSTGRESQL_TRIGGERS.values()]:
            op.execute(ddl)
    else:
        for ddl in SQLITE.values():
            op.execute(ddl)
    op.execute(FILL)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in POSTGRESQL_TRIGGERS if postgresql else SQLITE:
        op.execute(f"DROP TRIGGER {name}{' ON submissions' if postgresql else ''}")
    if postgresql:
        for name in reversed(POSTGRESQL_FUNCTIONS):
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_index("ix_review_queue_counts_key", table_name=TABLE)
    op.drop_table(TABLE)
