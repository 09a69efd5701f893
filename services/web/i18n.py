"""Message catalogues: Simplified Chinese first, English switchable.

Templates and page code write `_("English source text")`; the zh_CN catalogue
(locale/zh_CN/LC_MESSAGES/messages.po) translates it; English uses the source text itself.
Texts the slices write in Chinese (the rates' formulas, the ranking rule) are source texts
too: the en catalogue translates those. The .po files are compiled by Babel at start (no
build step, nothing binary in the repository).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGS = ("zh", "en")
DEFAULT = "zh"
COOKIE = "qs_lang"  # holds only "zh" or "en": the same value for everyone who chose it
HTML_LANG = {"zh": "zh-CN", "en": "en"}


CATALOGUES = {"zh": "zh_CN", "en": "en"}


@cache
def translations(lang: str) -> gettext.NullTranslations:
    folder = CATALOGUES.get(lang)
    if folder is None:
        return gettext.NullTranslations()
    with (LOCALE_DIR / folder / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale=folder)
    buf = io.BytesIO()
    write_mo(buf, catalogue)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick(cookie: str | None) -> str:
    return cookie if cookie in LANGS else DEFAULT


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


def N_(text: str) -> str:
    """Marks a source text in Python code for the catalogue; templates translate it."""
    return text
