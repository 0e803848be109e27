"""Tests and benchmarks build on tests.support: none of them imports a conftest module, and no
module imports a test module (`test_*.py`): what tests share lives in the support package."""

from __future__ import annotations

from ast import Import, ImportFrom, parse, walk
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) for each module the source imports, `from a import b` as a and a.b."""
    found = []
    for node in walk(parse(source)):
        if isinstance(node, Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ImportFrom):
            base = node.module or ""  # None for `from . import x`
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def conftest_imports(source: str) -> list[int]:
    """The lines of each `import ...conftest` or `from ...conftest import` in the source."""
    # `from tests.x.conftest import a`, and `from tests.x import conftest` alike.
    lines = {line for line, module in imported_modules(source) if "conftest" in module.split(".")}
    return sorted(lines)


def test_no_test_or_benchmark_imports_a_conftest_module():
    files = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
    assert len(files) > 50
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in conftest_imports(path.read_text())
    ]
    assert found == []


def test_benchmarks_reach_the_tests_only_through_tests_support():
    found = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in sorted((ROOT / "bench").rglob("*.py"))
        for line, module in imported_modules(path.read_text())
        if module.startswith("tests.") and not module.startswith("tests.support")
    ]
    assert found == []


def test_no_module_imports_a_test_module():
    files = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
    found = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in files
        for line, module in imported_modules(path.read_text())
        if any(part.startswith("test_") for part in module.split("."))
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
