"""Tests and benchmarks build on tests.support: none of them imports a conftest module."""

from __future__ import annotations

from ast import Import, ImportFrom, parse, walk
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def conftest_imports(source: str) -> list[int]:
    """The lines of each `import ...conftest` or `from ...conftest import` in the source."""
    lines = []
    for node in walk(parse(source)):
        if isinstance(node, Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ImportFrom):
            # `from tests.x.conftest import a`, and `from tests.x import conftest` alike.
            modules = [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        if any("conftest" in module.split(".") for module in modules):
            lines.append(node.lineno)
    return lines


def test_no_test_or_benchmark_imports_a_conftest_module():
    files = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
    assert len(files) > 50
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in conftest_imports(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import conftest",
        "import tests.submissions.conftest as c",
        "from tests.submissions.conftest import submit",
        "from tests.payouts import conftest",
        "from . import conftest",
        "from .conftest import claim",
        "def f():\n    from tests.conftest import make",
    ],
)
def test_the_check_sees_each_way_to_import_a_conftest(source):
    assert conftest_imports(source) != []


def test_the_check_lets_support_imports_through():
    assert conftest_imports("from tests.support.submitting import submit\nimport tests") == []
