"""Only missions/states.py writes Mission.status, only submissions/states.py Submission.status.

The backend's source is read as Python (ast), not run: any UPDATE, INSERT, constructor,
attribute assignment or SQL text that sets either status outside its states module fails
here, naming the file and line. Migrations are history (data fixes of their day) and are
left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parent.parent / "backend"
OWNERS = {BACKEND / "missions" / "states.py", BACKEND / "submissions" / "states.py"}
MODELS = {"Mission", "Submission"}
# Names a Mission or Submission object goes by in the backend (not assignment, appeal...).
OBJECT = re.compile(r"^(sub)?missions?$|_(sub)?missions?$")
RAW_SQL = re.compile(
    r"\b(update\s+(missions|submissions)\b[^;]*\bset\b[^;]*\bstatus\b"
    r"|insert\s+into\s+(missions|submissions)\b)",
    re.IGNORECASE | re.DOTALL,
)


def _table_call(node: ast.AST) -> str | None:
    """'update' or 'insert' when `node` is update(Mission) / insert(Submission) and alike."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("update", "insert")
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id in MODELS
    ):
        return node.func.id
    return None


def _root_table_call(node: ast.AST, bound: set[str]) -> str | None:
    """The update(Mission) or insert(Submission) a method chain such as
    `update(Mission).where(...).values(...)` starts from, if any; `bound` names variables
    holding one (`stmt = update(Submission)...`)."""
    while True:
        found = _table_call(node)
        if found:
            return found
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Name) and node.id in bound:
            return "update"
        else:
            return None


def _bound(tree: ast.AST) -> set[str]:
    """Variables a statement on Mission or Submission is kept in."""
    bound: set[str] = set()
    for _ in range(2):  # a chain kept, then extended and kept again
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _root_table_call(node.value, bound):
                bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return bound


def _sets_status(node: ast.AST) -> bool:
    """A `status` keyword, a dict with a "status" key, or keywords the scan cannot see
    (`**values` of a variable), anywhere inside `node`."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.keyword) and inner.arg == "status":
            return True
        if (
            isinstance(inner, ast.keyword)
            and inner.arg is None
            and not isinstance(inner.value, ast.Dict)
        ):
            return True
        if isinstance(inner, ast.Dict) and any(
            isinstance(k, ast.Constant) and k.value == "status" for k in inner.keys
        ):
            return True
    return False


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        found: list[ast.AST] = []
        for target in node.targets:
            found += list(target.elts) if isinstance(target, ast.Tuple) else [target]
        return found
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def status_writes(source: str) -> list[str]:
    """Every line of `source` that writes Mission.status or Submission.status: 'line: why'."""
    found = []
    tree = ast.parse(source)
    bound = _bound(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "values"
                and _root_table_call(func.value, bound)
                and _sets_status(node)
            ):
                found.append(f"{line}: .values(status=...) on a Mission or Submission")
            if _table_call(node) == "insert":
                found.append(f"{line}: insert of a Mission or Submission")
            if any(_table_call(arg) for arg in node.args) and any(
                _sets_status(arg) for arg in node.args[1:]
            ):
                found.append(f"{line}: executemany setting a status")
            if isinstance(func, ast.Name) and func.id in MODELS and _sets_status(node):
                found.append(f"{line}: {func.id}(status=...)")
            if (
                isinstance(func, ast.Name)
                and func.id == "setattr"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "status"
            ):
                found.append(f"{line}: setattr(..., 'status', ...)")
        for target in _targets(node):
            if isinstance(target, ast.Attribute) and target.attr == "status":
                owner = target.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if OBJECT.search(name):
                    found.append(f"{line}: {name}.status = ...")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_SQL.search(node.value)
        ):
            found.append(f"{line}: SQL writing a status")
    return found


def backend_files() -> list[Path]:
    return sorted(
        path
        for path in BACKEND.rglob("*.py")
        if "migrations" not in path.relative_to(BACKEND).parts
    )


def test_only_the_states_modules_write_mission_or_submission_status():
    strays = {
        str(path.relative_to(BACKEND)): writes
        for path in backend_files()
        if path not in OWNERS and (writes := status_writes(path.read_text()))
    }
    assert strays == {}
    # The owners do write them (the scan sees what it looks for).
    for owner in OWNERS:
        assert status_writes(owner.read_text()), owner


@pytest.mark.parametrize(
    "source",
    [
        "db.execute(update(Mission).where(Mission.id == i).values(status='open'))",
        "db.execute(update(Submission).values(status=to, reasons=[]))",
        "stmt = update(Mission).where(x).values(**{'status': 'open'})",
        "db.execute(update(Mission), [{'id': i, 'status': 'open'}])",
        "stmt = update(Submission).where(x)\nstmt = stmt.where(y)\ndb.execute(stmt.values(**v))",
        "stmt = update(Mission)\ndb.execute(stmt.values(status='open'))",
        "db.execute(insert(Mission), rows)",
        "s = Submission(id=i, status='received')",
        "mission.status = 'open'",
        "submission.status, submission.received_at = 'received', now",
        "the_mission.status = 'x'",
        "self.submission.status = 'x'",
        "setattr(row, 'status', 'open')",
        "db.execute(text('UPDATE missions SET reward = 1, status = :s WHERE id = :i'))",
        "db.execute(text('INSERT INTO submissions (id, status) VALUES (:i, :s)'))",
    ],
)
def test_the_scan_finds_a_status_written_any_way(source):
    assert status_writes(source), source


@pytest.mark.parametrize(
    "source",
    [
        "db.execute(update(Assignment).where(x).values(status='expired'))",
        "db.execute(update(Mission).where(x).values(latitude=1, longitude=2))",
        "stmt = update(Mission).where(x)\ndb.execute(stmt.values(**{'latitude': 1}))",
        "db.execute(update(Submission), [{'id': i, 'latitude': None}])",
        "assignment.status, assignment.ended_at = 'submitted', now",
        "campaign.status = 'published'",
        "appeal = Appeal(submission_id=i, status='open')",
        "select(Mission).where(Mission.status == 'open')",
        "text('SELECT id FROM missions WHERE status = :s')",
    ],
)
def test_the_scan_leaves_other_writes_and_reads_alone(source):
    assert status_writes(source) == [], source
