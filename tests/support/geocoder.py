"""A geocoder standing in for geopy's remote one (no remote service can be asked in tests):
it answers from a table of addresses, or fails as a remote service does."""

from __future__ import annotations

from typing import Any

from geopy.exc import GeocoderTimedOut
from geopy.location import Location


class TableGeocoder:
    """geopy's geocode() over a table {address words: (label, latitude, longitude)}: every
    entry whose key holds the query, in the table's order; `down` makes it time out."""

    def __init__(self, table: dict[str, tuple[str, float, float]], *, down: bool = False):
        self.table = table
        self.down = down
        self.asked: list[str] = []

    def geocode(self, query: str, *, exactly_one: bool, timeout: float) -> Any:
        """The places whose key holds the query (None for none), as geopy gives them."""
        self.asked.append(query)
        if self.down:
            raise GeocoderTimedOut("the remote geocoder did not answer")
        found = [
            Location(label, (latitude, longitude), {})
            for key, (label, latitude, longitude) in self.table.items()
            if query.lower() in key.lower()
        ]
        return (found[0] if found else None) if exactly_one else (found or None)
