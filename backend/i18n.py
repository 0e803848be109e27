"""Languages: worker-facing messages follow the request's Accept-Language (en, fr, nl).

Code marks a message with `gettext("... %(name)s ...", name=value)` where it is raised in a
request; `lazy_gettext(...)` for a module-level constant (translated when it is read); `N_(...)`
for a message picked at run time and passed to `gettext` then.
`make translations` extracts the marked messages into backend/translations and compiles them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import flask_babel
from babel.numbers import format_currency
from flask import Flask, has_request_context, request

LANGUAGES = ("en", "fr", "nl")
DEFAULT_LANGUAGE = "en"  # also the language of every msgid: English needs no catalogue
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_babel = flask_babel.Babel(configure_jinja=False)


def best_language(header: str | None) -> str:
    """The supported language the Accept-Language header `header` prefers, else English.

    A regional tag counts for its language (fr-BE is French); q-values order the choice and
    q=0 refuses; `*` accepts the default. Werkzeug's own best_match would take an exact "en"
    at q=0.5 over "fr-CA" at q=1, which is not what the person asked for."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    accepted = parse_accept_header(header or "", LanguageAccept)
    ranked = sorted(accepted, key=lambda item: item[1], reverse=True)  # stable: header order
    for value, quality in ranked:
        if quality <= 0:
            continue
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
        if primary == "*":
            return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale selector: the request's best language; English outside a request
    (Celery tasks, the CLI), where nobody asked for one."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return best_language(request.headers.get("Accept-Language"))


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel to the app with Fairfield's catalogues and locale selector."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    _babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_locale)
    # Flask-Babel keeps the chosen locale on `g`, which lives as long as the app context: a
    # request inside a context already open (a task, a test) would answer in the language
    # of the request before it. Each request chooses again.
    app.before_request(flask_babel.refresh)


def current_language() -> str:
    """The language messages are being written in now (en outside a request)."""
    locale = flask_babel.get_locale() if has_request_context() else None
    return str(locale.language) if locale is not None else DEFAULT_LANGUAGE


def money(amount_minor: int, currency: str, language: str | None = None) -> str:
    """An amount as the reader writes it: 10.50 EUR in English (kernel.money's format_money,
    as everywhere in the API's English), 10,50 € in French, € 10,50 in Dutch; in `language`
    when given (a mail, written in its reader's language), else the request's."""
    amount = Decimal(amount_minor) / 100  # hundredths, as format_money counts them
    language = language or current_language()
    if language == DEFAULT_LANGUAGE:
        return f"{amount:.2f} {currency}"
    return str(format_currency(amount, currency, locale=language, currency_digits=False))


def gettext(string: str, **variables: Any) -> str:
    """`string` in the request's language, with %(name)s placeholders filled from `variables`."""
    return str(flask_babel.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for `num` (available as %(num)s), in the request's language."""
    return str(flask_babel.ngettext(singular, plural, num, **variables))


def N_(string: str) -> str:  # gettext's own name for the marker
    """Mark `string` for the catalogue without translating it: `gettext(string)` later."""
    return string


def lazy_gettext(string: str, **variables: Any) -> Any:
    """A message translated each time it is read as a string: for module-level constants."""
    return flask_babel.lazy_gettext(string, **variables)
