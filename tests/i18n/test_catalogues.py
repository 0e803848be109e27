"""The catalogues: every marked message is translated into French and Dutch, with the same
placeholders, and the committed .mo files are what their .po files compile to."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from backend.i18n import LANGUAGES, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != "en"]
# The keywords `make translations` extracts (pybabel's defaults, plus our two).
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def marked_messages() -> set[str]:
    """Every message the backend's code marks for translation, read from the source now."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "backend", method_map, options_map, keywords=KEYWORDS
    ):
        found.update(message if isinstance(message, tuple) else (message,))
    return found


def catalogue(language: str):
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_backend_marks_messages_and_the_template_holds_each_of_them():
    marked = marked_messages()
    assert "This mission is not open for claiming." in marked
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as pot:
        template = {message.id for message in read_po(pot) if message.id}
    assert marked <= template, f"run `make translations`: {sorted(marked - template)}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_message_has_a_translation(language):
    po = catalogue(language)
    missing = sorted(
        message
        for message in marked_messages()
        if message not in po or not po[message].string or po[message].fuzzy
    )
    assert not missing, f"{language}: translate these in the .po, then `make translations`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language):
    wrong = {
        message.id: message.string
        for message in catalogue(language)
        if message.id
        and sorted(PLACEHOLDER.findall(str(message.id)))
        != sorted(PLACEHOLDER.findall(str(message.string)))
    }
    assert not wrong
    for message in catalogue(language):
        if message.id and PLACEHOLDER.search(str(message.id)):
            # What gettext does with the values: a stray % would fail here, not in a request.
            names = PLACEHOLDER.findall(str(message.id))
            assert str(message.string) % dict.fromkeys(names, 1)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_is_the_compiled_po(language):
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        committed = gettext.GNUTranslations(mo)
    # The catalogue itself, header included: a .po edited since `make translations` differs.
    assert committed._catalog == fresh._catalog, "stale .mo: run `make translations`"
