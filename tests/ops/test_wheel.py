"""The wheel is all a deployment needs: installed away from the source, it serves the console
and the worker app (static/ ships inside it as backend/static) and migrates its database."""

from __future__ import annotations

import os
import shutil
import signal
import site
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.support.processes import ROOT
from tests.support.services import free_port, wait_for_port

pytestmark = pytest.mark.integration

# What the wheel is built from: a copy, so the build leaves nothing in the checkout.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "backend", "workers", "static")


def _run(*cmd: str | Path, **kwargs) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=False, **kwargs
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("fairfield-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "backend/static/console/index.html",
        "backend/static/app/index.html",
        "backend/migrations/script.py.mako",
        "backend/translations/fr/LC_MESSAGES/messages.mo",
    ):
        assert shipped in names, shipped
    assert not [name for name in names if name.startswith(("tests/", "bench/"))]
    return wheel


def _venv(tmp_path: Path, wheel: Path) -> Path:
    """A fresh virtualenv holding only the wheel; its dependencies are read from the shared
    environment's site-packages (a .pth line), so nothing is downloaded but the build's."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    (own,) = (venv / "lib").glob("python3.*/site-packages")
    (own / "shared.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin/python",
        "install",
        "-q",
        "--no-deps",
        wheel,
    )
    return venv


def test_an_installed_wheel_serves_the_console_without_the_source(tmp_path):
    venv = _venv(tmp_path, _wheel(tmp_path))
    elsewhere = tmp_path / "run"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRFIELD_", "PYTHON"))}
    env["FAIRFIELD_VAR_DIR"] = str(elsewhere / "var")
    python = str(venv / "bin/python")
    where = _run(python, "-c", "import backend; print(backend.__file__)", cwd=elsewhere, env=env)
    assert where.startswith(str(venv)), where
    assert "database at revision" in _run(
        venv / "bin/fairfield", "db", "upgrade", cwd=elsewhere, env=env
    )

    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "backend.wsgi:app", "-w", "1", "-b", f"127.0.0.1:{port}"],
        cwd=elsewhere,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, 60)
        for path, marker in (("/", "Fairfield console"), ("/app/", "manifest.webmanifest")):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as page:
                assert page.status == 200
                assert marker in page.read().decode()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/docs.html", timeout=10
        ) as docs:
            assert docs.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        log.close()
