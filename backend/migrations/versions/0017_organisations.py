"""Brands as organisations: members with roles (every brand user so far is its owner), a
removed member's row kept, invitations, the audit log, and API keys.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORG_ROLE_CHECK = "org_role IN ('owner', 'manager', 'viewer')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _when(name: str, nullable: bool = True) -> "sa.Column[datetime]":
    """A time column, stored in UTC."""
    return sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    if _sqlite():
        # Added in place with its CHECK: rebuilding `users` would trip every foreign key
        # pointing at it (and cascade to the tokens).
        op.execute(
            "ALTER TABLE users ADD COLUMN org_role VARCHAR(16) "
            f"CONSTRAINT ck_users_org_role_known CHECK ({ORG_ROLE_CHECK})"
        )
    else:
        op.add_column("users", sa.Column("org_role", sa.String(length=16), nullable=True))
        op.create_check_constraint(op.f("ck_users_org_role_known"), "users", ORG_ROLE_CHECK)
    op.add_column("users", _when("removed_at"))
    # Every brand account so far made its brand: it is its owner.
    op.execute("UPDATE users SET org_role = 'owner' WHERE role = 'brand'")

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("brand_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        _when("created_at", nullable=False),
        _when("expires_at"),
        _when("last_used_at"),
        _when("revoked_at"),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_api_keys_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "organisation_invites",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("brand_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("invited_by", sa.String(length=36), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        _when("created_at", nullable=False),
        _when("expires_at", nullable=False),
        _when("accepted_at"),
        sa.Column("accepted_user_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint(
            "role IN ('owner', 'manager', 'viewer')",
            name=op.f("ck_organisation_invites_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_user_id"],
            ["users.id"],
            name=op.f("fk_organisation_invites_accepted_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_organisation_invites_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_organisation_invites_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_organisation_invites_token_hash")),
    )
    with op.batch_alter_table("organisation_invites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_invites_brand_id"), ["brand_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_organisation_invites_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organisation_invites_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "organisation_audit_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("brand_id", sa.String(length=36), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_organisation_audit_log_brand_id_brands")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_audit_log")),
    )
    with op.batch_alter_table("organisation_audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_audit_log_brand_id"), ["brand_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisation_audit_log_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_organisation_audit_log_brand_id"))
    op.drop_table("organisation_audit_log")
    with op.batch_alter_table("organisation_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_invites_expires_at"))
        batch_op.drop_index(batch_op.f("ix_organisation_invites_email"))
        batch_op.drop_index(batch_op.f("ix_organisation_invites_brand_id"))
    op.drop_table("organisation_invites")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_keys_brand_id"))
    op.drop_table("api_keys")
    if _sqlite():
        op.execute("ALTER TABLE users DROP COLUMN removed_at")
        op.execute("ALTER TABLE users DROP COLUMN org_role")  # its CHECK goes with it
    else:
        op.drop_column("users", "removed_at")
        op.drop_constraint(op.f("ck_users_org_role_known"), "users", type_="check")
        op.drop_column("users", "org_role")
