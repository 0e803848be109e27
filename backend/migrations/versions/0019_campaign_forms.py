"""Campaign forms: every campaign carries its questions. Those made before ask what they
always did, today's products as a form: per product a count (required), out of stock
(required) and a price (optional); their answers {sku, count, out_of_stock, price} stay as
they were and mean those three questions.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# campaigns.forms.DEFAULT_QUESTIONS as of this revision, frozen here: the column's default
# fills every existing row, on SQLite and PostgreSQL alike, without a table rebuild.
DEFAULT_FORM = (
    '[{"id": "count", "type": "count", "label": "Facings counted", "per": "product", '
    '"required": true, "show_if": null}, '
    '{"id": "out_of_stock", "type": "yes_no", "label": "Out of stock", "per": "product", '
    '"required": true, "show_if": null}, '
    '{"id": "price", "type": "price", "label": "Shelf price", "per": "product", '
    '"required": false, "show_if": null}]'
)


def upgrade() -> None:
    op.add_column(
        "campaigns",
        sa.Column("questions", sa.JSON(), server_default=DEFAULT_FORM, nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE campaigns DROP COLUMN questions")
    else:
        op.drop_column("campaigns", "questions")
