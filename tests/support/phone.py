"""Driving the task screen on a phone: a claim checked in through the API, the task opened
signed in (under the service worker), counts typed, photos given to the camera input, taps
clear of the tab bar, and what the queue shows of the upload."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image
from selenium.webdriver.common.by import By

from tests.support.app import put_phone_at
from tests.support.console import button, wait
from tests.support.photos import jpeg, shelf
from tests.support.submitting import BRUSSELS


def camera_exif(*, position: bool = True) -> Image.Exif:
    """EXIF as a phone camera writes it: the time now, with its offset, and the store's
    position (unless `position` is False)."""
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[36867] = datetime.now(UTC).strftime("%Y:%m:%d %H:%M:%S")
    ifd[36881] = "+00:00"
    if position:
        exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 50.0, 48.12), 3: "E", 4: (4.0, 21.0, 9.0)})
    return exif


def camera_photo(seed: int, image: Image.Image | None = None) -> bytes:
    """A phone shelf photo (1600 x 1200 unless `image` is given) with the camera's EXIF."""
    return jpeg(image or shelf(1600, 1200, seed=seed), exif=camera_exif())


def take(phone: Any, path: str, *, within: str = "form") -> None:
    """The camera hands this file to the last camera input inside `within`."""
    phone.find_elements(By.CSS_SELECTOR, f"{within} input[type=file]")[-1].send_keys(path)


def verdicts(phone: Any) -> str:
    """The photos' verdicts as the task screen words them."""
    return " ".join(e.text for e in phone.find_elements(By.CSS_SELECTOR, "li.photo"))


def rows(db: Any, query: Any) -> list[Any]:
    """The rows `query` reads, in a transaction of its own."""
    with db.transaction(write=False) as session:
        return list(session.execute(query).all())


def state_text(phone: Any) -> str:
    """What the screen says of the queued submissions (state, reason, progress)."""
    return " ".join(e.text for e in phone.find_elements(By.CSS_SELECTOR, "main .upload"))


def shown(phone: Any, words: str) -> bool:
    """Whether the queued submissions' text holds `words`."""
    return words in state_text(phone)


def claimed_here(client: Any, claim: Any, worker: Any, headers: dict[str, str]) -> str:
    """A fresh claim by `worker`, checked in at the store through the API; its id."""
    claimed = claim(worker=worker)
    checked = client.post(
        f"/api/v1/assignments/{claimed.assignment_id}/check-in",
        json={"latitude": BRUSSELS[0], "longitude": BRUSSELS[1] + 0.0003, "accuracy_m": 8},
        headers=headers,
    )
    assert checked.status_code == 200, checked.json
    assert checked.json["inside_geofence"] is True
    return str(claimed.assignment_id)


def saved(tmp_path: Path, photos: list[bytes]) -> list[str]:
    """The photos as files, for the camera input."""
    paths = []
    for index, data in enumerate(photos):
        path = tmp_path / f"shelf-{index}.jpg"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def speak(phone: Any, languages: str) -> None:
    """Make the browser prefer `languages` (an Accept-Language value) from now on."""
    agent = phone.execute_script("return navigator.userAgent")
    phone.execute_cdp_cmd(
        "Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": languages}
    )


def open_task(
    phone: Any,
    origin: str,
    headers: dict[str, str],
    assignment_id: str,
    *,
    take_photo: str = "Take photo",
) -> None:
    """The task screen, signed in, on a page the service worker controls (so that a reload
    with no network still finds the app shell)."""
    put_phone_at(phone, origin, BRUSSELS[0], BRUSSELS[1] + 0.0003)
    phone.get(f"{origin}/app/")
    phone.execute_script(
        "localStorage.setItem('fairfield.token', arguments[0])",
        headers["Authorization"].removeprefix("Bearer "),
    )
    phone.get(f"{origin}/app/#/task/{assignment_id}")
    wait(phone, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"), 60)
    phone.refresh()
    wait(phone, lambda d: has_button(d, take_photo))


def has_button(phone: Any, name: str) -> bool:
    """Whether a visible button's text begins with `name`."""
    try:
        return bool(button(phone, name))
    except LookupError:
        return False


def tap(phone: Any, element: Any) -> None:
    """Scroll `element` to the middle of the screen, clear of the tab bar, and tap it."""
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def fill_task(phone: Any, files: list[str]) -> None:
    """A count for each product, then each photo from the "camera", each checked good."""
    for label in phone.find_elements(By.CSS_SELECTOR, "fieldset.product label"):
        if label.text.startswith("Facings counted: "):
            phone.find_element(By.ID, label.get_attribute("for")).send_keys("7")
    for index, path in enumerate(files):
        camera = phone.find_elements(By.CSS_SELECTOR, "form input[type=file]")[-1]
        camera.send_keys(path)
        wait(
            phone,
            lambda d, n=index: len(d.find_elements(By.CSS_SELECTOR, "li.photo .good")) == n + 1,
        )


# With the network cut on purpose, these failed requests are expected in the browser console
# (the last: the shell reads the profile and says it is offline).
CUT = (
    "ERR_CONNECTION_RESET",
    "ERR_CONNECTION_REFUSED",
    "ERR_EMPTY_RESPONSE",
    "net::",
    "tus:",
    "The server could not be reached",
)


def queued_count(phone: Any) -> int:
    """What queue.js counts as not yet on the server."""
    return int(
        phone.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('/app/js/queue.js').then(q => q.pendingCount()).then(done);"
        )
    )
