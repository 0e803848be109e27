"""Imports flow one way: the import-linter contracts in .importlinter hold, every backend module
has a layer, and the contracts catch a cycle hidden in a local import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter import api
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
CONTRACT_TYPES = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


def _contracts() -> list[tuple[str, object]]:
    config = api.read_configuration(str(CONFIG))
    contracts = []
    for options in config["contracts_options"]:
        contract_class = CONTRACT_TYPES[options["type"]]
        contract = contract_class(
            name=options["name"],
            session_options=config["session_options"],
            contract_options=options,
        )
        contracts.append((options["name"], contract))
    return contracts


@pytest.fixture
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("backend", "workers", include_external_packages=True, cache_dir=None)


def test_the_contracts_hold(graph):
    broken = {}
    for name, contract in _contracts():
        check = contract.check(graph, verbose=False)  # type: ignore[attr-defined]
        if not check.kept:
            broken[name] = check.metadata
    assert broken == {}


def test_every_backend_module_has_a_layer():
    layers = api.read_configuration(str(CONFIG))["contracts_options"][0]["layers"]
    named = {m.strip("() ") for layer in layers for m in layer.replace(":", "|").split("|")}
    found = {
        f"backend.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "backend").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert found - named == set()


def test_a_cycle_hidden_in_a_local_import_is_caught(tmp_path):
    """The cycle the issue found (accounts → ledger → … → accounts), hidden as it was, in a
    function's local import, in a copy of the code: lint-imports names it."""
    for package in ("backend", "workers"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    service = tmp_path / "backend" / "accounts" / "service.py"
    service.write_text(
        service.read_text()
        + "\n\ndef _balance():\n    from backend.ledger.service import worker_balance\n\n"
        "    return worker_balance\n"
    )
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "backend.accounts is not allowed to import backend.ledger" in result.stdout
    assert "backend.accounts.service -> backend.ledger.service" in result.stdout
