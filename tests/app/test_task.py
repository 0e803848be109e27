"""The task screen on a phone (SQLite smoke): the default form's steppers and out-of-stock
toggles, a photo judged in words at once and retaken, nothing lost on reload, the store-closed
path, and the uploads screen following the submission until it is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageFilter
from selenium.webdriver.common.by import By
from sqlalchemy import select

from backend.submissions.models import Submission
from tests.support.console import (
    button,
    by_label,
    console_errors,
    screenshot,
    serious_violations,
    wait,
)
from tests.support.factories import UserFactory
from tests.support.phone import (
    camera_photo,
    claimed_here,
    has_button,
    open_task,
    rows,
    shown,
    speak,
    state_text,
    take,
    tap,
    verdicts,
)
from tests.support.photos import shelf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def photo_file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_task_is_counted_photographed_kept_and_sent(
    client, gunicorn, db, make, auth_headers, claim, phone, tmp_path
):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    origin = gunicorn.removesuffix("/api/v1")
    open_task(phone, origin, headers, assignment_id)

    count = by_label(phone, "Facings counted: PAD-1")
    more = phone.find_element(By.CSS_SELECTOR, "button[aria-label='One more PAD-1']")
    for _ in range(3):
        tap(phone, more)
    assert count.get_attribute("value") == "3"
    tap(phone, phone.find_element(By.CSS_SELECTOR, "button[aria-label='One less PAD-1']"))
    assert count.get_attribute("value") == "2"
    tap(phone, by_label(phone, "Out of stock: PAD-1"))
    assert count.get_attribute("value") == "0"
    assert not count.is_enabled()
    tap(phone, by_label(phone, "Out of stock: PAD-1"))
    by_label(phone, "Facings counted: PAD-2").send_keys("5")

    blurred = camera_photo(51, shelf(1600, 1200, seed=51).filter(ImageFilter.GaussianBlur(12)))
    take(phone, photo_file(tmp_path, "blurred.jpg", blurred))
    wait(phone, lambda d: "Too blurred: hold still and retake" in verdicts(d))
    assert has_button(phone, "Retake")
    for scheme in ("dark", "light"):  # the verdict readable at night as in a bright aisle
        phone.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        assert serious_violations(phone) == [], scheme
    photos = phone.find_element(By.CSS_SELECTOR, "ol.photos")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", photos)
    screenshot(phone, "app-photo-check", tmp_path)

    # Reloaded: the counts and the photo with its verdict are still there.
    phone.refresh()
    wait(phone, lambda d: "Too blurred" in verdicts(d))
    assert by_label(phone, "Facings counted: PAD-2").get_attribute("value") == "5"
    assert by_label(phone, "Facings counted: PAD-1").get_attribute("value") == "0"

    # Retaken: the new photo replaces the blurred one.
    take(phone, photo_file(tmp_path, "sharp.jpg", camera_photo(52)), within="li.photo")
    wait(phone, lambda d: "Sharp and well lit" in verdicts(d))
    assert len(phone.find_elements(By.CSS_SELECTOR, "li.photo")) == 1

    tap(phone, button(phone, "Submit"))
    wait(phone, lambda d: shown(d, "Sent"), 60)
    submission = rows(db, select(Submission.id, Submission.outcome, Submission.answers))[0]
    assert submission.outcome == "completed"
    # Sent as the form's answers, question by question (no price typed: none sent).
    assert sorted((a["question_id"], a["sku"], a["value"]) for a in submission.answers) == [
        ("count", "PAD-1", 0),
        ("count", "PAD-2", 5),
        ("out_of_stock", "PAD-1", False),
        ("out_of_stock", "PAD-2", False),
    ]

    phone.get(f"{origin}/app/#/uploads")
    wait(phone, lambda d: shown(d, "Sent"))
    assert phone.find_element(By.CSS_SELECTOR, "[aria-label='Submissions on this phone']")
    assert serious_violations(phone) == []
    screenshot(phone, "app-uploads", tmp_path)
    assert console_errors(phone) == []


def test_a_closed_store_is_evidenced_by_one_storefront_photo_in_french(
    client, gunicorn, db, make, auth_headers, claim, phone, tmp_path
):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    speak(phone, "fr-BE,fr;q=0.9")
    open_task(
        phone,
        gunicorn.removesuffix("/api/v1"),
        headers,
        assignment_id,
        take_photo="Prendre une photo",
    )

    # The default form's questions in the worker's words, each naming its product.
    assert by_label(phone, "Facings comptés : PAD-1").get_attribute("type") == "number"
    assert by_label(phone, "En rupture : PAD-2").get_attribute("type") == "checkbox"
    tap(phone, button(phone, "Magasin fermé"))
    main = phone.find_element(By.TAG_NAME, "main")
    wait(phone, lambda d: "Photo de la devanture fermée" in main.text)
    assert not phone.find_elements(By.CSS_SELECTOR, "fieldset.product")
    dark = camera_photo(53, shelf(1600, 1200, seed=53).point(lambda v: v // 8))
    take(phone, photo_file(tmp_path, "dark.jpg", dark))
    wait(phone, lambda d: "Trop sombre : allumez la lumière" in verdicts(d))
    assert not has_button(phone, "Prendre une photo")  # one storefront photo is all it takes
    take(phone, photo_file(tmp_path, "front.jpg", camera_photo(54)), within="li.photo")
    wait(phone, lambda d: "Nette et bien éclairée" in verdicts(d))
    assert serious_violations(phone) == []
    tap(phone, button(phone, "Envoyer"))
    wait(phone, lambda d: shown(d, "Envoyée"), 60)
    assert rows(db, select(Submission.outcome))[0].outcome == "store_closed"
    assert console_errors(phone) == []


def test_a_refused_submission_says_why_and_can_be_deleted_from_the_phone(
    client, gunicorn, db, make, auth_headers, claim, phone, tmp_path
):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    origin = gunicorn.removesuffix("/api/v1")
    open_task(phone, origin, headers, assignment_id)
    for label in ("Facings counted: PAD-1", "Facings counted: PAD-2"):
        by_label(phone, label).send_keys("4")
    take(phone, photo_file(tmp_path, "shelf.jpg", camera_photo(55)))
    wait(phone, lambda d: "Sharp and well lit" in verdicts(d))
    # The claim is given back elsewhere before the phone submits: the server refuses.
    released = client.post(f"/api/v1/assignments/{assignment_id}/release", headers=headers)
    assert released.status_code == 200, released.json
    tap(phone, button(phone, "Submit"))
    wait(phone, lambda d: shown(d, "Not sent"), 60)
    assert "not active" in state_text(phone)  # the server's reason, in its words
    assert rows(db, select(Submission.id)) == []
    # A refused submission will not go up by itself: signing out need not wait for it.
    queued = phone.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/app/js/queue.js').then(q => q.pendingCount()).then(done);"
    )
    assert queued == 0

    phone.get(f"{origin}/app/#/uploads")
    wait(phone, lambda d: shown(d, "Not sent"))
    assert serious_violations(phone) == []
    tap(phone, button(phone, "Delete from this phone"))
    wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
    tap(phone, button(phone, "Delete from this phone", within="dialog"))
    main = phone.find_element(By.TAG_NAME, "main")
    wait(phone, lambda d: "Nothing queued on this phone." in main.text)
    assert console_errors(phone, allowed=("409",)) == []
