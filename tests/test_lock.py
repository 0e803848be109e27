"""requirements.lock (CI, `make install`) and requirements-runtime.lock (the image) agree with
pyproject.toml: a dependency added or raised there without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\]+)")


def _pins(name: str) -> dict[str, str]:
    """name -> version of every requirement in a lock file, each checked to carry hashes."""
    text = (ROOT / name).read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        found = PIN.match(block)
        if found:
            assert "--hash=sha256:" in block, f"{found[1]} in {name} has no hash"
            pins[canonicalize_name(found[1])] = found[2]
    return pins


def _wanted(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return [r for r in wanted if canonicalize_name(r.name) != "fairfield"]


def _missing(pins: dict[str, str], wanted: list[Requirement]) -> list[str]:
    """The requirements the lock has no version for, or one out of their range."""
    missing = []
    for requirement in wanted:
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{requirement} (locked: {version or 'nothing'})")
    return missing


def test_the_lock_pins_every_dependency_within_pyproject_s_range():
    pins = _pins("requirements.lock")
    assert _missing(pins, _wanted("reports", "dev")) == [], "run `make lock`"


def test_the_runtime_lock_is_the_full_lock_less_the_dev_tools():
    full, runtime = _pins("requirements.lock"), _pins("requirements-runtime.lock")
    assert _missing(runtime, _wanted("reports")) == [], "run `make lock`"
    assert {name: full.get(name) for name in runtime} == runtime
    dev_only = {canonicalize_name(r.name) for r in _wanted("dev")} - {
        canonicalize_name(r.name) for r in _wanted("reports")
    }
    assert not dev_only & set(runtime), "a dev tool in the image's lock"


def test_make_install_and_the_image_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in makefile
    assert "--require-hashes -r requirements-runtime.lock" in (ROOT / "Dockerfile").read_text()
