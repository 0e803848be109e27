"""HTTP endpoints: review queue, admin decisions and appeals."""

from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("review", __name__, url_prefix="/api/v1", tag="Review")
