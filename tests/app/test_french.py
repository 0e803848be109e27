"""A French browser sees the app in French, and the API's refusals in French in the app: a
claim refused because another worker took the mission first, and a check-in from too far."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.app import (
    heading,
    named,
    open_screen,
    origin_of,
    put_phone_at,
    screen_problems,
    tap,
    towel_stores,
    wait_for_text,
)
from tests.support.console import button, by_label, link, wait
from tests.support.factories import PASSWORD, UserFactory
from tests.support.phone import speak
from tests.support.submitting import BRUSSELS

pytestmark = pytest.mark.browser

REFUSED = ("claim - Failed to load resource",)  # the refusal the test provokes


def test_a_french_worker_reads_the_app_and_its_refusals_in_french(
    full_flow: None, gunicorn: str, phone: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    origin = origin_of(gunicorn)
    _brand, missions = towel_stores(make)
    worker = make(UserFactory, display_name="Fanny")
    other = make(UserFactory)
    speak(phone, "fr-BE,fr;q=0.9")

    open_screen(phone, origin, "#/signin")
    assert heading(phone) == "Se connecter"
    by_label(phone, "E-mail").send_keys(worker.email)
    by_label(phone, "Mot de passe").send_keys(PASSWORD)
    tap(phone, button(phone, "Se connecter"))
    assert heading(phone, "Bonjour") == "Bonjour, Fanny"
    assert phone.execute_script("return document.documentElement.lang") == "fr"
    assert screen_problems(phone) == []

    phone.get(f"{origin}/app/#/find")
    heading(phone, "Trouver des missions")
    put_phone_at(phone, origin, BRUSSELS[0] + 0.003, BRUSSELS[1])
    tap(phone, button(phone, "Utiliser ma position"))
    nearby = named(phone, "ul", "Missions à proximité")
    wait(phone, lambda _: "Lidl Brussels Centre" in nearby.text)
    assert screen_problems(phone) == []

    tap(phone, link(phone, "Lidl Brussels Centre"))
    heading(phone, "Lidl Brussels Centre")
    task = wait_for_text(phone, "Une réservation tient")
    assert "Facings comptés" in task  # the default form's questions, in her words
    # Another worker is quicker: the mission is gone by the time Fanny taps.
    taken = client.post(
        f"/api/v1/missions/{missions['Lidl Brussels Centre'].id}/claim",
        json={"latitude": BRUSSELS[0], "longitude": BRUSSELS[1]},
        headers=auth_headers(other),
    )
    assert taken.status_code == 201, taken.json
    tap(phone, button(phone, "Réserver"))
    refused = wait_for_text(phone, "mission", "p.error")
    assert refused == "Cette mission n'est pas ouverte à la réservation."
    assert screen_problems(phone, allowed=REFUSED) == []

    phone.get(f"{origin}/app/#/mission/{missions['Delhaize Ixelles'].id}")
    heading(phone, "Delhaize Ixelles")
    tap(phone, button(phone, "Réserver"))
    wait_for_text(phone, "min", "p.big")
    tap(phone, button(phone, "Enregistrer mon arrivée"))
    far = wait_for_text(phone, "du magasin", "p.message")
    assert re.fullmatch(
        r"Vous êtes à 2[,.]\d km du magasin : enregistrez votre arrivée à moins de 150 m "
        r"\(votre position est précise à 10 m\)\.",
        far.replace("\u202f", " ").replace("\xa0", " "),
    ), far
    assert screen_problems(phone, allowed=("check-in - Failed to load resource",)) == []
