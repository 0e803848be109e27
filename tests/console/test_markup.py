"""Names brands type (stores, products) reach admins' screens as text, never as markup."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.console import ROOT, heading, wait

pytestmark = pytest.mark.browser

SCRIPTS = [ROOT / "static" / part for part in ("console", "app", "common")]
NAME = '<img src="x" id="injected"><b>Shop</b>'
TOOLTIP = """
const done = arguments[arguments.length - 1];
import("/static/common/js/leaflet.js").then(async (m) => {
  const { L } = await m.load();
  const box = document.createElement("div");
  box.style.height = "200px";
  document.body.append(box);
  const map = L.map(box).setView([50.85, 4.35], 14);
  const dot = L.circleMarker([50.85, 4.35]).bindTooltip(m.tip(arguments[0])).addTo(map);
  dot.openTooltip();
  const shown = document.querySelector(".leaflet-tooltip");
  const injected = !!document.getElementById("injected");
  done(JSON.stringify({ text: shown.textContent, injected }));
}).catch((e) => done(JSON.stringify({ error: String(e) })));
"""


def test_every_map_tooltip_is_given_text_not_a_string_leaflet_would_parse() -> None:
    # Leaflet writes a string tooltip with innerHTML: each goes through leaflet.js's tip().
    calls = [
        (path.name, call)
        for folder in SCRIPTS
        for path in folder.rglob("*.js")
        for call in re.findall(r"bindTooltip\(([^)]{0,12})", path.read_text())
    ]
    assert calls
    assert [c for c in calls if not c[1].startswith("tip(")] == []


def test_a_name_with_markup_shows_as_text_in_a_map_tooltip(gunicorn: str, browser: Any) -> None:
    origin = gunicorn.removesuffix("/api/v1")
    browser.get(f"{origin}/#/status")
    wait(browser, lambda b: heading(b))
    shown = json.loads(browser.execute_async_script(TOOLTIP, NAME))
    assert shown == {"text": NAME, "injected": False}
