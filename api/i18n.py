"""The caller's language (Accept-Language: zh-CN first, en second) and message translation."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import get_locale
from flask_babel import gettext as _gettext

from api.extensions import babel

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


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


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern, str]]:
    """Message templates with placeholders, as patterns that recognise an already-formatted text."""
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    patterns = []
    for message in catalog:
        if isinstance(message.id, str) and "{" in message.id:
            parts = re.split(r"\{(\w+)\}", message.id)
            regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
            patterns.append((re.compile(f"^{regex}$"), message.id))
    return patterns


def language() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def translate(message: str, params: dict | None = None) -> str:
    """Translate an English msgid, then fill its ``{placeholders}``.

    A message that arrives already formatted (a validator's "Use a number from 1 to 20.") is matched
    against the catalogue's templates and translated with the values it carries.
    """
    text = _gettext(message)
    if text == message and not params and language() != "en":
        for pattern, template in _templates():
            if match := pattern.match(message):
                return _gettext(template).format(**match.groupdict())
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return message.format(**params)
    return text
