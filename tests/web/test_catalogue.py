"""Every text on the pages comes from the message catalogue: no stray words in templates,
and every source text has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.web import i18n, labels

pytestmark = pytest.mark.unit
WEB = Path(i18n.__file__).parent
MARKED = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"\s*\)|_\(\s*'((?:[^'\\]|\\.)*)'\s*\)""")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ALLOWED = {"CSV", "XLSX", "k", "n", "min", "English", "中文"}  # formats, symbols, language names


def source_texts() -> set[str]:
    found = set()
    for f in WEB.rglob("*.html"):
        for m in MARKED.finditer(f.read_text()):
            found.add((m.group(1) if m.group(1) is not None else m.group(2)).replace('\\"', '"'))
    for f in WEB.glob("*.py"):
        found.update(re.findall(r'N_\("((?:[^"\\]|\\.)*)"\)', f.read_text()))
    for table in labels.ALL.values():
        found.update(table.values())
    return found


def test_every_source_text_has_a_chinese_translation() -> None:
    zh = i18n.translations("zh")
    missing = sorted(t for t in source_texts() if zh.gettext(t) == t)
    assert missing == []


def test_templates_hold_no_words_outside_the_catalogue() -> None:
    stray = {}
    for f in sorted(WEB.rglob("*.html")):
        source = re.sub(r"\{% block main_class %\}\w*\{% endblock %\}|&\w+;", " ", f.read_text())
        text = TAG.sub(" ", JINJA.sub(" ", source))
        words = [w for w in re.findall(r"[A-Za-z\u4e00-\u9fff]+", text) if w not in ALLOWED]
        if words:
            stray[f.name] = words
    assert stray == {}


def test_the_formulas_the_cases_slice_writes_have_english_translations() -> None:
    from services.cases.policy import DEFAULT_POLICY as p
    from services.cases.rates import FORMULAS

    en = i18n.translations("en")
    texts = [f.format(w=p.satisfied_weight_basic, m=p.ranking_min_rated) for f in FORMULAS.values()]
    assert [t for t in texts if en.gettext(t) == t] == []
