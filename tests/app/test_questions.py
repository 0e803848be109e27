"""The task's form on a phone, every question type (PostgreSQL, a real Celery worker): a
condition reveals its question, a bad barcode and a missing answer are caught on the phone and
named in the error summary, everything typed survives a reload, an answer the server refuses
(422 naming it) opens the form again at that question, and what is stored is what was typed.
Today's answers queued by an older app still go up."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from backend.campaigns import forms
from backend.submissions.models import Submission
from tests.support.console import (
    button,
    by_label,
    console_errors,
    screenshot,
    serious_violations,
    wait,
)
from tests.support.factories import BrandFactory, CampaignFactory, MissionFactory, UserFactory
from tests.support.phone import (
    camera_photo,
    claimed_here,
    open_task,
    rows,
    saved,
    shown,
    take,
    tap,
)
from tests.support.submitting import BRUSSELS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

QUESTIONS = [
    {"id": "count", "type": "count", "label": "Facings counted", "required": True},
    {"id": "out_of_stock", "type": "yes_no", "label": "Out of stock", "required": True},
    {"id": "price", "type": "price", "label": "Shelf price"},
    {
        "id": "empty_shelf",
        "type": "photo",
        "label": "A photo of the empty shelf",
        "required": True,
        "show_if": {"question_id": "out_of_stock", "equals": True},
    },
    {"id": "barcode", "type": "barcode", "label": "Barcode on the label", "required": True},
    {
        "id": "display",
        "type": "single_choice",
        "label": "Where is the range?",
        "per": "store",
        "required": True,
        "options": ["gondola", "end cap", "none"],
    },
    {
        "id": "promos",
        "type": "multiple_choice",
        "label": "Promotions seen",
        "per": "store",
        "options": ["leaflet", "price cut", "bundle"],
    },
    {"id": "notes", "type": "text", "label": "Anything else", "per": "store"},
    {"id": "best_before", "type": "date", "label": "Earliest best-before", "per": "store"},
    {"id": "met", "type": "yes_no", "label": "Met the manager", "per": "store"},
    {
        "id": "manager",
        "type": "text",
        "label": "Their name",
        "per": "store",
        "required": True,
        "show_if": {"question_id": "met", "equals": True},
    },
]
EUROS_1_99 = {"amount_minor": 199, "currency": "EUR"}
TYPED = {
    ("count", "A-1"): 4,
    ("out_of_stock", "A-1"): False,
    ("price", "A-1"): EUROS_1_99,
    ("barcode", "A-1"): "4006381333931",
    ("count", "B-2"): 0,
    ("out_of_stock", "B-2"): True,
    ("empty_shelf", "B-2"): 1,  # after the one shelf photo: the submission's second
    ("barcode", "B-2"): "96385074",
    ("display", None): "end cap",
    ("promos", None): ["leaflet", "bundle"],
    ("notes", None): "Tidy shelf",
    ("best_before", None): "2027-01-31",
    ("met", None): True,
    ("manager", None): "Ann",
}


def group(phone: Any, name: str) -> Any:
    """The fieldset whose legend is `name`."""
    return phone.find_element(By.XPATH, f"//fieldset[legend[normalize-space()='{name}']]")


def choose(phone: Any, name: str, option: str) -> None:
    """Tap `option` in the group of choices `name`."""
    fieldset = group(phone, name)
    tap(phone, fieldset.find_element(By.XPATH, f".//label[normalize-space()='{option}']"))


def retype(phone: Any, label: str, text: str) -> Any:
    """Clear the control labelled `label`, type `text`, and leave it (its change fires)."""
    control = by_label(phone, label)
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", control)
    control.send_keys(Keys.CONTROL, "a")
    control.send_keys(Keys.DELETE)
    control.send_keys(text, Keys.TAB)
    return control


def message_at(phone: Any, label: str) -> str:
    """The message beside the control labelled `label` (its question's error line)."""
    control = by_label(phone, label)
    block = control.find_element(By.XPATH, "./ancestor::div[contains(@class, 'question')]")
    return str(block.find_element(By.CSS_SELECTOR, "p.error").text)


def summary_text(phone: Any) -> str:
    found = phone.find_elements(By.CSS_SELECTOR, ".error-summary")
    return found[0].text if found and found[0].is_displayed() else ""


def visible(phone: Any, xpath: str) -> bool:
    found = phone.find_elements(By.XPATH, xpath)
    return bool(found) and found[0].is_displayed()


def good_photos(phone: Any) -> int:
    return len(phone.find_elements(By.CSS_SELECTOR, "li.photo .good"))


@pytest.fixture
def every_type(make: Any, client: Any, auth_headers: Any) -> tuple[str, dict[str, str]]:
    """A campaign of every question type at a store in Brussels, claimed and checked in by a
    worker; the assignment's id and the worker's headers."""
    brand = make(BrandFactory)
    campaign = make(
        CampaignFactory,
        brand_id=brand.id,
        skus=("A-1", "B-2"),
        questions=forms.normal_questions(QUESTIONS),
        photos_required=1,
    )
    mission = make(MissionFactory, campaign=campaign)
    worker = make(UserFactory)
    headers = auth_headers(worker)

    def claim(worker: Any) -> SimpleNamespace:
        response = client.post(f"/api/v1/missions/{mission.id}/claim", headers=headers)
        assert response.status_code == 201, response.json
        return SimpleNamespace(assignment_id=response.json["assignment_id"])

    return claimed_here(client, claim, worker, headers), headers


def fill_everything(phone: Any, files: list[str]) -> None:
    """A-1 counted, priced far too high, its barcode mistyped; B-2 out of stock with its empty
    shelf photographed; every store question but the manager's name; one shelf photo."""
    by_label(phone, "Facings counted: A-1").send_keys("4")
    retype(phone, "Shelf price: A-1", "99999999")  # a slip of the thumb: the server refuses it
    retype(phone, "Barcode on the label: A-1", "4006381333932")
    wait(
        phone, lambda d: "check digit does not match" in message_at(d, "Barcode on the label: A-1")
    )

    shelf_photo = "//fieldset[legend[normalize-space()='A photo of the empty shelf: B-2']]"
    assert not visible(phone, shelf_photo)  # asked only when out of stock
    tap(phone, by_label(phone, "Out of stock: B-2"))
    wait(phone, lambda d: visible(d, shelf_photo))
    assert not by_label(phone, "Facings counted: B-2").is_enabled()
    assert button(phone, "Take photo: A photo of the empty shelf: B-2")
    group(phone, "A photo of the empty shelf: B-2").find_element(
        By.CSS_SELECTOR, "input[type=file]"
    ).send_keys(files[0])
    wait(phone, lambda d: good_photos(d) == 1)
    retype(phone, "Barcode on the label: B-2", "96385074")

    choose(phone, "Where is the range?", "end cap")
    choose(phone, "Promotions seen", "leaflet")
    choose(phone, "Promotions seen", "bundle")
    retype(phone, "Anything else", "Tidy shelf")
    phone.execute_script(
        "arguments[0].value = '2027-01-31';"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        by_label(phone, "Earliest best-before"),
    )
    assert not visible(phone, "//label[normalize-space()='Their name']")
    choose(phone, "Met the manager", "Yes")
    wait(phone, lambda d: visible(d, "//label[normalize-space()='Their name']"))
    take(phone, files[1])  # the shelf photo: the last camera of the form
    wait(phone, lambda d: good_photos(d) == 2)


def test_every_question_type_is_asked_checked_kept_and_stored(
    gunicorn: str,
    db: Any,
    client: Any,
    phone: Any,
    start_worker: Any,
    every_type: tuple[str, dict[str, str]],
    tmp_path: Path,
) -> None:
    start_worker()
    assignment_id, headers = every_type
    origin = gunicorn.removesuffix("/api/v1")
    open_task(phone, origin, headers, assignment_id)
    assert serious_violations(phone) == []
    fill_everything(phone, saved(tmp_path, [camera_photo(91), camera_photo(92)]))

    # Caught on the phone, named at the top and beside each question.
    tap(phone, button(phone, "Submit"))
    wait(phone, lambda d: "There is a problem" in summary_text(d))
    problems = summary_text(phone)
    assert "“Barcode on the label: A-1”: the barcode's check digit does not match" in problems
    assert "Answer “Their name”." in problems
    assert message_at(phone, "Their name") == "Answer “Their name”."
    assert by_label(phone, "Their name").get_attribute("aria-invalid") == "true"
    assert serious_violations(phone) == []
    phone.execute_script("window.scrollTo(0, 0)")
    screenshot(phone, "app-questions", tmp_path)
    tap(phone, phone.find_element(By.LINK_TEXT, "Answer “Their name”."))
    assert phone.switch_to.active_element == by_label(phone, "Their name")
    retype(phone, "Their name", "Ann")
    retype(phone, "Barcode on the label: A-1", "4006381333931")
    wait(phone, lambda d: message_at(d, "Barcode on the label: A-1") == "")

    # Reloaded: every answer and the question's photo are still there.
    phone.refresh()
    wait(phone, lambda d: good_photos(d) == 2)
    assert by_label(phone, "Barcode on the label: A-1").get_attribute("value") == "4006381333931"
    assert by_label(phone, "Shelf price: A-1").get_attribute("value") == "99999999"
    assert by_label(phone, "Earliest best-before").get_attribute("value") == "2027-01-31"
    assert by_label(phone, "Their name").get_attribute("value") == "Ann"
    assert by_label(phone, "end cap").is_selected()
    assert by_label(phone, "Out of stock: B-2").is_selected()

    # The server refuses the price (far over what a shelf asks): the form opens again there.
    tap(phone, button(phone, "Submit"))
    wait(phone, lambda d: "did not accept some answers" in summary_text(d), 60)
    assert message_at(phone, "Shelf price: A-1") == (
        "“Shelf price: A-1”: not accepted by the server; check this answer."
    )
    assert "“Shelf price: A-1”: not accepted" in summary_text(phone)
    # The uploads screen says so too, and leads back to the form.
    phone.get(f"{origin}/app/#/uploads")
    wait(phone, lambda d: shown(d, "Not sent"))
    tap(phone, phone.find_element(By.LINK_TEXT, "Correct the answers"))
    wait(phone, lambda d: "did not accept some answers" in summary_text(d))
    assert by_label(phone, "Shelf price: A-1").get_attribute("aria-invalid") == "true"
    assert serious_violations(phone) == []
    retype(phone, "Shelf price: A-1", "1.99")
    tap(phone, button(phone, "Submit"))
    wait(phone, lambda d: shown(d, "Sent"), 90)

    # The Celery worker validates it; what is stored is what was typed.
    (submission_id,) = [r.id for r in rows(db, select(Submission.id))]
    deadline = time.monotonic() + 90
    status = "received"
    while status in {"received", "validating"} and time.monotonic() < deadline:
        time.sleep(0.5)
        status = rows(db, select(Submission.status))[0].status
    assert status in {"approved", "in_review"}, status
    stored = client.get(f"/api/v1/submissions/{submission_id}", headers=headers).json
    assert {(a["question_id"], a.get("sku")): a["value"] for a in stored["form_answers"]} == TYPED
    assert console_errors(phone, allowed=("422",)) == []


def test_an_old_apps_queued_answers_still_go_up(
    gunicorn: str,
    db: Any,
    client: Any,
    claim: Any,
    make: Any,
    auth_headers: Any,
    phone: Any,
    tmp_path: Path,
) -> None:
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    open_task(phone, gunicorn.removesuffix("/api/v1"), headers, assignment_id)
    photo = base64.b64encode(camera_photo(93)).decode()
    # What the app before forms put in its queue: today's answers, one per product.
    phone.execute_async_script(
        "const [id, photo, at, done] = arguments;"
        "const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));"
        "import('/app/js/queue.js').then((q) => q.enqueue({assignmentId: id, outcome: 'completed',"
        "  answers: [{sku: 'PAD-1', count: 3, out_of_stock: false},"
        "            {sku: 'PAD-2', count: 0, out_of_stock: true}],"
        "  photos: [new Blob([bytes], {type: 'image/jpeg'})],"
        "  position: {latitude: at[0], longitude: at[1], accuracy_m: 8}})).then(() => done());",
        assignment_id,
        photo,
        [BRUSSELS[0], BRUSSELS[1] + 0.0003],
    )
    phone.get(f"{gunicorn.removesuffix('/api/v1')}/app/#/uploads")
    wait(phone, lambda d: shown(d, "Sent"), 60)
    (submission,) = rows(db, select(Submission.answers))
    assert submission.answers == [
        {"sku": "PAD-1", "count": 3, "out_of_stock": False, "price": None},
        {"sku": "PAD-2", "count": 0, "out_of_stock": True, "price": None},
    ]
    assert console_errors(phone) == []
