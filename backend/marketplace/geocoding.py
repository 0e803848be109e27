"""Addresses to points for the worker app's find screen, through a geopy geocoder.

FAIRFIELD_GEOCODER names a geocoder geopy knows ("nominatim"); empty, the app shows no address
field and GET /geocode answers 404. The geocoder is a remote service: it is asked with a short
timeout, and any failure of it is a 503 `geocoder_unavailable`, never a 500.

`geocoder_of(app)` is the one place the geopy object is made (once per app); tests put their
own in its place with `use_geocoder(app, ...)`, the only thing they replace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask

from backend.errors import DomainError, NotFound
from backend.i18n import gettext, lazy_gettext
from backend.settings import Settings, settings_of

log = logging.getLogger(__name__)
EXTENSION = "fairfield.geocoder"
TIMEOUT_SECONDS = 3  # a phone waits for the answer: better none than a slow one
MAX_PLACES = 5
QUERY_MAX = 200


class Geocoder(Protocol):
    """What is used of a geopy geocoder."""

    def geocode(self, query: str, *, exactly_one: bool, timeout: float) -> Any:
        """geopy's Location list (or None) for an address."""


class GeocoderUnavailable(DomainError):
    status, code = 503, "geocoder_unavailable"
    title = lazy_gettext("Service Unavailable")


@dataclass(frozen=True)
class Place:
    """An address found: its label and point."""

    label: str
    latitude: float
    longitude: float


def make_geocoder(settings: Settings) -> Geocoder | None:
    """The geopy geocoder the settings name, or None when none is configured."""
    if not settings.geocoder:
        return None
    from geopy.geocoders import get_geocoder_for_service

    options: dict[str, Any] = {
        "user_agent": settings.geocoder_user_agent,
        "timeout": TIMEOUT_SECONDS,
    }
    if settings.geocoder_domain:
        options["domain"] = settings.geocoder_domain
    if settings.geocoder_api_key:
        options["api_key"] = settings.geocoder_api_key
    geocoder: Geocoder = get_geocoder_for_service(settings.geocoder)(**options)
    return geocoder


def geocoder_of(app: Flask) -> Geocoder | None:
    """The app's geocoder, made on first use; None when none is configured."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = make_geocoder(settings_of(app))
    found: Geocoder | None = app.extensions[EXTENSION]
    return found


def use_geocoder(app: Flask, geocoder: Geocoder | None) -> None:
    """Put this geocoder in the app's (tests: a remote service cannot be asked there)."""
    app.extensions[EXTENSION] = geocoder


def geocode(app: Flask, query: str) -> list[Place]:
    """At most five places for an address; NotFound without a geocoder, GeocoderUnavailable
    when the remote service fails, does not answer in time, or cannot be set up as configured
    (an option that geocoder does not take): the worker picks a point on the map instead."""
    if not settings_of(app).geocoder:
        raise NotFound(gettext("No address search is configured."), code="geocoder_not_configured")
    try:
        geocoder = geocoder_of(app)
        if geocoder is None:  # a test took the configured one away
            raise NotFound(
                gettext("No address search is configured."), code="geocoder_not_configured"
            )
        found = geocoder.geocode(query, exactly_one=False, timeout=TIMEOUT_SECONDS) or []
        places = [
            Place(label=str(place.address), latitude=place.latitude, longitude=place.longitude)
            for place in list(found)[:MAX_PLACES]
        ]
    except NotFound:
        raise
    except Exception as exc:  # a remote service's every failure is the same to the worker
        log.warning("geocoder failed: %s", type(exc).__name__, exc_info=True)
        raise GeocoderUnavailable(
            gettext("The address search is not available at the moment; pick a point on the map.")
        ) from exc
    return places
