"""Worker-facing problem words follow Accept-Language (en, fr, nl); `code` never changes."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from backend.i18n import gettext
from tests.support.factories import MissionFactory, UserFactory
from tests.support.submitting import honest_payload, submit

BRUSSELS = (50.8467, 4.3525)

TAKEN = {
    "en": ("Conflict", "This mission is not open for claiming."),
    "fr": ("Conflit", "Cette mission n'est pas ouverte à la réservation."),
    "nl": ("Conflict", "Deze opdracht kan niet gereserveerd worden."),
}


@pytest.fixture
def taken_mission(client, make, auth_headers):
    """A mission already claimed by someone, and a second worker's headers."""
    mission_id = make(MissionFactory, at=BRUSSELS).id
    first = client.post(
        f"/api/v1/missions/{mission_id}/claim", headers=auth_headers(make(UserFactory))
    )
    assert first.status_code == 201
    return mission_id, auth_headers(make(UserFactory))


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        (None, "en"),
        ("de", "en"),
        ("fr", "fr"),
        ("fr-BE,fr;q=0.9,en;q=0.5", "fr"),
        ("nl", "nl"),
        ("fr;q=0.1, nl;q=0.9", "nl"),
    ],
)
def test_claiming_a_taken_mission_is_refused_in_the_asked_language(
    client, taken_mission, accept_language, language
):
    mission_id, headers = taken_mission
    if accept_language:
        headers = headers | {"Accept-Language": accept_language}
    refused = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
    assert refused.status_code == 409
    assert refused.json["code"] == "mission_unavailable"
    assert (refused.json["title"], refused.json["detail"]) == TAKEN[language]
    assert refused.json["type"].endswith("/mission_unavailable")
    assert refused.headers["Content-Language"] == language
    assert "Accept-Language" in refused.headers["Vary"]


def test_a_photo_that_is_not_a_jpeg_is_refused_in_french(client, claim):
    claimed = claim()
    french = dataclasses.replace(claimed, headers=claimed.headers | {"Accept-Language": "fr"})
    refused = submit(client, french, [b"GIF89a not a photo at all"], honest_payload())
    assert refused.status_code == 422
    assert refused.json["code"] == "unsupported_photo_format"
    assert refused.json["title"] == "Données non valides"
    assert refused.json["detail"] == "La photo 0 n'est pas un fichier JPEG."
    assert refused.json["errors"] == {"photos.0": ["Doit être un fichier JPEG."]}


def test_a_request_that_does_not_validate_is_refused_in_dutch_field_by_field(client, claim):
    claimed = claim()
    refused = client.post(
        f"/api/v1/assignments/{claimed.assignment_id}/check-in",
        headers=claimed.headers | {"Accept-Language": "nl-NL"},
        json={"latitude": "north", "accuracy_m": 5},
    )
    assert refused.status_code == 422
    assert refused.json["code"] == "validation_error"
    assert refused.json["title"] == "Ongeldige inhoud"
    assert refused.json["detail"] == "Het verzoek is niet geldig; zie `errors`."
    assert refused.json["errors"]["latitude"] == ["Moet een getal zijn."]
    assert refused.json["errors"]["longitude"] == ["Dit veld is verplicht."]


def test_the_same_refusal_in_english_keeps_its_english_words(client, claim):
    claimed = claim()
    refused = client.post(
        f"/api/v1/assignments/{claimed.assignment_id}/check-in",
        headers=claimed.headers,
        json={"latitude": "north", "accuracy_m": 5},
    )
    assert refused.json["detail"] == "The request did not validate; see `errors`."
    assert refused.json["errors"]["longitude"] == ["Missing data for required field."]


def test_a_submission_nobody_may_see_is_not_found_in_french(client, make, auth_headers):
    headers = auth_headers(make(UserFactory)) | {"Accept-Language": "fr"}
    missing = client.get(f"/api/v1/submissions/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404
    assert missing.json["code"] == "not_found"
    assert missing.json["title"] == "Introuvable"
    assert missing.json["detail"] == "Aucun envoi avec cet identifiant n'est visible pour vous."


def test_framework_refusals_are_translated_too(client):
    unknown = client.get("/api/v1/nothing-here", headers={"Accept-Language": "nl"})
    assert (unknown.status_code, unknown.json["code"]) == (404, "not_found")
    assert (unknown.json["title"], unknown.json["detail"]) == (
        "Niet gevonden",
        "Er staat niets op dit adres.",
    )
    anonymous = client.get("/api/v1/me/earnings", headers={"Accept-Language": "fr"})
    assert (anonymous.status_code, anonymous.json["code"]) == (401, "unauthorized")
    assert anonymous.json["title"] == anonymous.json["detail"] == "Non authentifié"


def test_outside_a_request_messages_are_english(app):
    with app.app_context():  # as in a Celery task: no request, nobody asked for a language
        assert gettext("This mission is not open for claiming.") == TAKEN["en"][1]
    assert gettext("Photo %(index)s is not a JPEG file.", index=2) == "Photo 2 is not a JPEG file."


def test_a_rate_limit_is_explained_in_french(app_config):
    from backend import create_app

    app = create_app(app_config | {"LOGIN_RATE_LIMIT": "1 per minute"})
    try:
        client = app.test_client()
        login = {"email": "a@b.io", "password": "x"}
        french = {"Accept-Language": "fr-FR,fr;q=0.9"}
        responses = [client.post("/api/v1/auth/token", json=login, headers=french) for _ in "ab"]
        limited = responses[-1]
        assert (limited.status_code, limited.json["code"]) == (429, "rate_limited")
        assert limited.json["title"] == "Trop de requêtes"
        assert limited.json["detail"].startswith("Trop de requêtes : la limite est de 1 per 1 ")
    finally:
        app.extensions["fairfield.db"].engine.dispose()


def test_account_refusals_follow_the_asked_language(client, make):
    """Signing in, using a mailed link and signing up are refused in the worker's words."""
    user = make(UserFactory)
    wrong = client.post(
        "/api/v1/auth/token",
        json={"email": user.email, "password": "not the password at all"},
        headers={"Accept-Language": "fr"},
    )
    assert wrong.status_code == 401
    assert wrong.json["code"] == "invalid_credentials"
    assert wrong.json["detail"] == "Adresse e-mail ou mot de passe incorrect."
    link = client.post(
        "/api/v1/auth/verify-email", json={"token": "x" * 43}, headers={"Accept-Language": "nl"}
    )
    assert link.status_code == 422
    assert link.json["code"] == "invalid_token"
    assert link.json["detail"].startswith("Deze link is niet geldig")
    assert link.json["errors"]["token"] == ["Ongeldig of verlopen. Vraag een nieuwe link aan."]
    again = client.post(
        "/api/v1/auth/register",
        json={
            "email": user.email,
            "password": "a long enough password",
            "role": "worker",
            "display_name": "Zoë",
        },
        headers={"Accept-Language": "fr"},
    )
    assert again.status_code == 409
    assert again.json["detail"] == "Un compte existe déjà avec cette adresse e-mail."
