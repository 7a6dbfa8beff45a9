"""The caller's language (Accept-Language: zh-CN first, en second) and message translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import get_locale
from flask_babel import gettext as _gettext

from api.extensions import babel
from models.errors import Message
from models.languages import DEFAULT_LANGUAGE, LANGUAGES


def _select_locale() -> str:
    requested = request.args.get("lang")
    if requested in LANGUAGES:
        return requested
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


TRANSLATIONS = Path(__file__).parent / "translations"


def compile_catalogues(directory: Path = TRANSLATIONS) -> None:
    """Compile each .po into its .mo when missing or older (so a fresh checkout needs no build step)."""
    for po_path in directory.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)


def init_i18n(app: Flask) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=_select_locale)


def language() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def translate(message: str, params: dict | None = None) -> str:
    """Translate an English msgid, then fill in its ``{placeholders}``: from ``params``, or from the
    ``Message`` that formatting the msgid gave (a validator's "Use a number from 1 to 100.")."""
    if isinstance(message, Message):
        message, params = message.template, {**message.params, **(params or {})}
    text = _gettext(message)
    if params:
        try:
            return str.format(text, **params)
        except (KeyError, IndexError, ValueError):
            return str.format(message, **params)
    return str(text)
