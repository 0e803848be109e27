"""The README stays true: every setting is documented and the two commands come first."""

from __future__ import annotations

from pathlib import Path

from backend.config import DEFAULTS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [key for key in DEFAULTS if f"`FAIRFIELD_{key}`" not in README]
    assert missing == []


def test_the_two_commands_come_first():
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert "make run" in first_block
    assert "make test" in first_block
