"""A string key is defined once per surface: the console's and the app's catalogue files are
merged with extend(), where a key defined twice is silently the last file's (the team's
audit log once reworded the review's audit sample this way). A surface's main catalogue may
still reword the shared one in static/common on purpose."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static"
KEY = re.compile(r'^\s*"([^"]+)"\s*:', re.M)
# Per surface, the files extend() merges; a file holding several languages counts once.
APP = STATIC / "app" / "strings"
LANGUAGES = {"en", "fr", "nl"}
SURFACES = {
    "console": sorted((STATIC / "console" / "strings").glob("*.js")),
    "app": [APP / "en.js", *sorted(p for p in APP.glob("*.js") if p.stem not in LANGUAGES)],
}


def keys(path: Path) -> set[str]:
    return set(KEY.findall(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_no_key_is_defined_in_two_catalogue_files(surface: str) -> None:
    files = SURFACES[surface]
    assert len(files) > 1
    clashes = {
        (a.name, b.name): sorted(keys(a) & keys(b))
        for a, b in itertools.combinations(files, 2)
        if keys(a) & keys(b)
    }
    assert clashes == {}
