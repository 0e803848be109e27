"""A brand sees a submission's photos once it is approved, by every way a brand reaches them.

Until then the photo answers exactly as a photo that does not exist, and no list a brand
reads carries it. The worker who took it and admins see it all along.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from backend.missions.models import Mission
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import honest_payload, submit, validate_now

STOREFRONT = honest_payload(outcome="store_closed", answers=[])


def path(url: str) -> str:
    """A photo link's path, without its signature or host: links are signed for each viewer,
    and whole URLs in exports; the photo's path is the same for all (a request with a bearer
    token is answered as its user)."""
    return urlsplit(url).path


def results(client: Any, campaign_id: str, headers: dict[str, str]) -> dict[str, str]:
    """Every photo path of the campaign's results, in each format a brand can ask for."""
    base = f"/api/v1/campaigns/{campaign_id}/results"
    found: dict[str, str] = {}
    document = client.get(base, headers=headers)
    assert document.status_code == 200, document.json
    for item in document.json["items"]:
        for photo in (item["result"] or {}).get("photos", []):
            found[path(photo["url"])] = "json"
    table = client.get(f"{base}?format=csv", headers=headers)
    for row in csv.DictReader(io.StringIO(table.get_data(as_text=True))):
        for url in row["photo_urls"].split():
            found.setdefault(path(url), "csv")
    geo = json.loads(client.get(f"{base}?format=geojson", headers=headers).data)
    for feature in geo["features"]:
        for photo in ((feature["properties"].get("result")) or {}).get("photos", []):
            found.setdefault(path(photo["url"]), "geojson")
    return found


class Seen:
    """What a brand user reaches of one submission's photos."""

    def __init__(self, client: Any, headers: dict[str, str], submission_id: str, campaign: str):
        self.client, self.headers = client, headers
        self.submission_id, self.campaign_id = submission_id, campaign

    def listed(self) -> list[dict[str, Any]]:
        shown = self.client.get(f"/api/v1/submissions/{self.submission_id}", headers=self.headers)
        assert shown.status_code == 200, shown.json
        photos: list[dict[str, Any]] = shown.json["photos"]
        return photos

    def in_results(self) -> dict[str, str]:
        return results(self.client, self.campaign_id, self.headers)


@pytest.fixture
def waiting(app, client, db, make, auth_headers, claim):
    """waiting(payload): a submission in review, the photo URL its worker got, a brand's view."""

    def do(payload: dict[str, Any]) -> tuple[str, str, Any, Seen]:
        claimed = claim(review_required=True)
        response = submit(client, claimed, [jpeg(shelf(seed=41))], payload)
        assert response.status_code == 202, response.json
        submission_id = response.json["submission_id"]
        validate_now(app, db, submission_id)
        own = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
        assert own["status"] == "in_review"
        with db.transaction(write=False) as session:
            campaign_id = session.scalar(
                select(Mission.campaign_id).where(Mission.id == claimed.mission_id)
            )
        brand_user = make(UserFactory, role="brand", brand=claimed.brand)
        seen = Seen(client, auth_headers(brand_user), submission_id, str(campaign_id))
        return own["photos"][0]["url"], submission_id, claimed, seen

    return do


def decide(client, headers, submission_id, decision):
    body = {"decision": decision, "comment": "Looked at it."}
    if decision == "reject":
        body["reason_code"] = "other"
    response = client.post(
        f"/api/v1/submissions/{submission_id}/decision", json=body, headers=headers
    )
    assert response.status_code == 200, response.json


def unknown_photo(client, headers):
    response = client.get(f"/api/v1/photos/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    return response.json


@pytest.mark.parametrize("payload", [honest_payload(), STOREFRONT], ids=["shelf", "storefront"])
def test_a_brand_sees_photos_only_once_the_submission_is_approved(
    client, make, auth_headers, waiting, payload
):
    url, submission_id, claimed, brand = waiting(payload)
    admin = auth_headers(make(UserFactory, admin=True))

    hidden = client.get(url, headers=brand.headers)
    assert hidden.status_code == 404
    # Exactly what a photo that does not exist answers: in review says nothing either.
    assert hidden.json == unknown_photo(client, brand.headers)
    assert brand.listed() == []
    assert brand.in_results() == {}
    # Its worker and admins see it while it waits.
    assert client.get(url, headers=claimed.headers).status_code == 200
    assert client.get(url, headers=admin).status_code == 200

    decide(client, admin, submission_id, "approve")
    assert client.get(url, headers=brand.headers).status_code == 200
    assert [path(photo["url"]) for photo in brand.listed()] == [path(url)]
    assert brand.in_results() == {path(url): "json"}


def test_a_rejected_submission_s_photos_stay_hidden_from_the_brand(
    client, make, auth_headers, waiting
):
    url, submission_id, claimed, brand = waiting(honest_payload())
    decide(client, auth_headers(make(UserFactory, admin=True)), submission_id, "reject")
    assert client.get(url, headers=brand.headers).json == unknown_photo(client, brand.headers)
    assert brand.listed() == []
    assert brand.in_results() == {}
    appealed = client.post(
        f"/api/v1/submissions/{submission_id}/appeal",
        json={"message": "Both products are on the photo."},
        headers=claimed.headers,
    )
    assert appealed.status_code == 201, appealed.json
    assert client.get(url, headers=brand.headers).status_code == 404
    assert brand.listed() == []
