"""Submissions waiting for a person, and admins to decide them."""

from tests.support.review import admin, in_review

__all__ = ["admin", "in_review"]
