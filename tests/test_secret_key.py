"""The key photo links are signed with: set, or made once and shared by every process; and
the signing itself, a pure function of the key, the parts and the clock."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend import create_app
from backend.config import BadSetting, persisted_secret_key
from backend.kernel import links
from backend.settings import settings_of

ROOT = Path(__file__).resolve().parents[1]
KEY = b"k" * 32
PHOTO, VIEWER = "3f6c1a7e-0000-4000-8000-000000000001", "3f6c1a7e-0000-4000-8000-000000000002"


def test_an_empty_key_is_made_once_private_and_kept(tmp_path):
    first = create_app({"VAR_DIR": str(tmp_path), "TESTING": True})
    key = settings_of(first).secret_key
    path = tmp_path / "secret_key"
    assert len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = create_app({"VAR_DIR": str(tmp_path), "TESTING": True})
    assert settings_of(again).secret_key == key
    assert key not in repr(settings_of(again))  # never in a log line or a traceback


def test_processes_starting_together_agree_on_one_key(tmp_path):
    # Eight processes race to make the key (gunicorn's and Celery's workers at start).
    code = "import sys; from pathlib import Path; from backend.config import persisted_secret_key;"
    code += "print(persisted_secret_key(Path(sys.argv[1])))"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, env=env
        )
        for _ in range(8)
    ]
    keys = {racer.communicate(timeout=60)[0].decode().strip() for racer in racers}
    assert keys == {persisted_secret_key(tmp_path)}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_a_key_set_is_used_and_a_short_one_stops_the_start(tmp_path):
    chosen = "c" * 40
    app = create_app({"VAR_DIR": str(tmp_path), "SECRET_KEY": chosen, "TESTING": True})
    assert settings_of(app).secret_key == chosen
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(BadSetting) as refused:
        create_app({"VAR_DIR": str(tmp_path), "SECRET_KEY": "too-short-a-key", "TESTING": True})
    assert "FAIRFIELD_SECRET_KEY" in str(refused.value)
    assert "too-short-a-key" not in str(refused.value)  # the key is never repeated


def test_a_signed_link_holds_until_it_expires_and_for_nothing_else():
    now = 1_800_000_000.0
    link = links.sign(
        KEY, photo_id=PHOTO, variant="thumb", viewer_id=VIEWER, now=now, ttl_seconds=900
    )
    query = link.query(KEY)
    assert links.verified(KEY, PHOTO, query, now=now) == link
    assert links.verified(KEY, PHOTO, query, now=link.expires - 1) == link
    assert links.verified(KEY, PHOTO, query, now=link.expires) is None
    assert links.verified(b"x" * 32, PHOTO, query, now=now) is None  # another key
    assert links.verified(KEY, VIEWER, query, now=now) is None  # another photo
    for part, value in [
        ("variant", "full"),
        ("viewer", PHOTO),
        ("expires", str(link.expires + 1)),
        ("signature", "0" * 64),
        ("signature", "not hex"),
        ("expires", "9" * 40),
    ]:
        assert links.verified(KEY, PHOTO, query | {part: value}, now=now) is None, part


def test_links_made_within_a_step_are_the_same_url():
    # Browsers cache by URL: links made a little apart repeat, living 900 to 990 seconds.
    made = [links.expiry(1_800_000_000.0 + s, 900) for s in range(0, 90)]
    assert len(set(made)) <= 2
    assert all(900 <= e - (1_800_000_000 + s) <= 990 for s, e in enumerate(made))
    assert links.expiry(time.time(), 1) > time.time()
