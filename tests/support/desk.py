"""The campaign desk's test helpers: a store CSV with a few bad lines, a worker's visit through
the API, and files a browser downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.support.processes import wait_until
from tests.support.submitting import BRUSSELS, Claimed, honest_payload, submit

# The store a worker visits: where tests.support.submitting's honest payload stands.
VISITED = "Towel Corner Grand-Place"
# Bad lines of the CSV, by the line of the file they are on, and the column at fault.
BAD_LINES = {
    4: "latitude",  # "north" is not a number
    51: "name",  # blank
    102: "longitude",  # out of range
}


def stores_csv(good: int = 200) -> tuple[bytes, list[str]]:
    """A store CSV: `good` stores around Brussels (the first at the visited one) with the
    bad lines of BAD_LINES among them; the names of the good stores, in file order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "chain", "address", "latitude", "longitude", "external_ref"])
    names: list[str] = []
    line = 1
    while len(names) < good:
        line += 1
        if line in BAD_LINES:
            bad = {
                "latitude": ["Bad latitude", "Demo", "", "north", "4.35", f"BAD-{line}"],
                "name": ["", "Demo", "", "50.85", "4.35", f"BAD-{line}"],
                "longitude": ["Bad longitude", "Demo", "", "50.85", "200", f"BAD-{line}"],
            }[BAD_LINES[line]]
            writer.writerow(bad)
            continue
        n = len(names)
        if n == 0:
            name, lat, lon = VISITED, BRUSSELS[0], BRUSSELS[1]
        else:
            name = f"Shop {n:03d} Brussels"
            lat, lon = BRUSSELS[0] + (n % 20 - 10) * 0.004, BRUSSELS[1] + (n // 20 - 5) * 0.006
        writer.writerow([name, "Demo", f"Demo street {n}", lat, lon, f"REF-{n:03d}"])
        names.append(name)
    return buffer.getvalue().encode(), names


def visit(client: Any, *, mission_id: str, worker: Any, headers: dict[str, str]) -> str:
    """A worker claims the mission and submits honest answers and two real photos through
    the API; the submission's id (a Celery worker validates it)."""
    from tests.support.photos import jpeg, shelf

    answer = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
    assert answer.status_code == 201, answer.json
    claimed = Claimed(answer.json["assignment_id"], mission_id, worker, headers, "", None)
    sent = submit(client, claimed, [jpeg(shelf(seed=11)), jpeg(shelf(seed=61))], honest_payload())
    assert sent.status_code == 202, sent.json
    return str(sent.json["submission_id"])


def save_downloads(browser: Any, folder: Path) -> None:
    """Let Chromium save downloads into `folder` without asking."""
    folder.mkdir(parents=True, exist_ok=True)
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )


def downloaded(folder: Path, suffix: str, timeout: float = 30) -> Path:
    """The file ending in `suffix` Chromium saved in `folder`, once complete."""

    def done() -> Path | None:
        files = [p for p in folder.glob(f"*{suffix}") if not p.name.endswith(".crdownload")]
        return files[0] if files else None

    found: Path = wait_until(done, timeout, f"a {suffix} file in {folder}")
    return found
