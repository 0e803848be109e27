"""Recoverable accounts and the mail channel: users gain a verified address and a locale
(accounts made before this are verified: they predate the rule), secrets of mailed links
are kept hashed, and mail to send is queued.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCALE_CHECK = "locale IN ('en', 'fr', 'nl')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("email_verified_at", backend.db.UTCDateTime(timezone=True), nullable=True),
    )
    if _sqlite():
        # Added in place with its CHECK: rebuilding `users` would trip every foreign key
        # pointing at it (and cascade to the tokens).
        op.execute(
            "ALTER TABLE users ADD COLUMN locale VARCHAR(5) DEFAULT 'en' NOT NULL "
            f"CONSTRAINT ck_users_locale_known CHECK ({LOCALE_CHECK})"
        )
    else:
        op.add_column(
            "users", sa.Column("locale", sa.String(length=5), server_default="en", nullable=False)
        )
        op.create_check_constraint(op.f("ck_users_locale_known"), "users", LOCALE_CHECK)
    # Every account made so far counts as verified: none could be before.
    op.execute("UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL")

    op.create_table(
        "account_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('password_reset', 'email_verification')",
            name=op.f("ck_account_tokens_purpose_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_tokens_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mail_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("ref_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'cancelled', 'failed')",
            name=op.f("ck_mail_messages_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_messages_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_messages_ref_id"), ["ref_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mail_messages_to_address"), ["to_address"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_messages_to_address"))
        batch_op.drop_index(batch_op.f("ix_mail_messages_ref_id"))
        batch_op.drop_index(batch_op.f("ix_mail_messages_created_at"))
    op.drop_table("mail_messages")
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_tokens_expires_at"))
    op.drop_table("account_tokens")
    if _sqlite():
        op.execute("ALTER TABLE users DROP COLUMN locale")  # its CHECK goes with it
        op.execute("ALTER TABLE users DROP COLUMN email_verified_at")
    else:
        op.drop_constraint(op.f("ck_users_locale_known"), "users", type_="check")
        op.drop_column("users", "locale")
        op.drop_column("users", "email_verified_at")
