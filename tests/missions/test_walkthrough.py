"""The README's worker walkthrough, run as written: curl and jq against the API under gunicorn,
a real Celery worker, and the demo data `make run` seeds."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from backend import demo
from tests.support.processes import ROOT
from tests.support.services import missing

pytestmark = pytest.mark.integration

MAKE_RUN_API = "API=http://127.0.0.1:8000/api/v1"


def walkthrough() -> str:
    """The shell block of the README's "Worker walkthrough" section."""
    section = (ROOT / "README.md").read_text().split("\n## Worker walkthrough\n", 1)[1]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


def quiet(_label: str, _total: int) -> Any:
    return contextlib.nullcontext(SimpleNamespace(update=lambda _n: None))


def test_the_readme_worker_walkthrough_ends_approved(app, db, gunicorn, start_worker, tmp_path):
    for tool in ("bash", "curl", "jq"):
        if shutil.which(tool) is None:
            missing(tool)
    with app.app_context(), db.transaction() as session:
        demo.seed(db_session=session, stores=20, random_seed=7, progress=quiet)
    start_worker()
    script = walkthrough()
    assert MAKE_RUN_API in script
    script = script.replace(MAKE_RUN_API, f"API={gunicorn}").replace(
        ".venv/bin/python", sys.executable
    )
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    mission = json.loads((tmp_path / "mission.json").read_text())
    assert [p["sku"] for p in mission["task"]["products"]] == [
        "ST-NIGHT-10",
        "ST-ORGANIC-12",
        "ST-ULTRA-14",
    ]
    assert mission["task"]["photo_instructions"]
    shown = json.loads((tmp_path / "submission.json").read_text())
    assert shown["status"] == "approved", ran.stdout
    assert [c["name"] for c in shown["checks"] if not c["passed"]] == []
    assert shown["decision"]["status"] == "approved"
