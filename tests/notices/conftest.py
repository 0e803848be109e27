"""Workers with submissions a person decides, admins, and the mail their acts queue."""

from tests.support.review import admin, in_review

__all__ = ["admin", "in_review"]
