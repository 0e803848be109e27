"""Brands, users and their bearer tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id

ROLES = ("worker", "brand", "admin")
LOCALES = ("en", "fr", "nl")
TOKEN_PURPOSES = ("password_reset", "email_verification")
ORG_ROLES = ("owner", "manager", "viewer")


def _org_role_default(context: Any) -> str | None:
    # A brand user made without a role in its organisation (sign-up, demo, the command
    # line) is its owner: the one who made the brand.
    return "owner" if context.get_current_parameters().get("role") == "brand" else None


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('worker', 'brand', 'admin')", name="role_known"),
        # A brand user belongs to exactly one brand; nobody else belongs to any.
        CheckConstraint("(role = 'brand') = (brand_id IS NOT NULL)", name="brand_iff_brand_role"),
        CheckConstraint("locale IN ('en', 'fr', 'nl')", name="locale_known"),
        CheckConstraint("org_role IN ('owner', 'manager', 'viewer')", name="org_role_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(100))
    brand_id: Mapped[str | None] = mapped_column(ForeignKey("brands.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the person asked to be forgotten: the row stays, pseudonymised, for the ledger.
    erased_at: Mapped[datetime | None]
    # Set when the person opened the link mailed to this address; payouts wait for it.
    email_verified_at: Mapped[datetime | None]
    # The language of the mail sent to this person.
    locale: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # Whether the worker's notices (decisions, appeal outcomes, payouts sent) are mailed;
    # account mail (password reset, verification, invites) goes whatever this says.
    notify_by_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    # A brand user's role in its organisation (owner, manager, viewer); NULL for others.
    org_role: Mapped[str | None] = mapped_column(String(16), default=_org_role_default)
    # Set when an owner removed this member: the row stays (the audit log names it), the
    # account no longer signs in.
    removed_at: Mapped[datetime | None]

    brand: Mapped[Brand | None] = relationship(lazy="joined")

    @property
    def email_verified(self) -> bool:
        """Whether the person proved they read mail sent to this address."""
        return self.email_verified_at is not None


class ApiToken(Base):
    """An opaque bearer token; only its SHA-256 is stored, so a leaked table grants nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship(lazy="joined")


class AccountToken(Base):
    """A single-use secret mailed in a link (a password reset, an address to verify); only
    its SHA-256 is stored. The raw token is made when the mail is composed, by the mail
    task, so it exists in that mail alone: never in the database, the outbox or the broker."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('password_reset', 'email_verification')", name="purpose_known"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiKey(Base):
    """A key a brand's machine sends as a bearer token: it acts as the member who made it,
    bounded by its scopes and that member's role. Only its SHA-256 is stored; `prefix` (the
    key's first part) names it in lists and logs."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
