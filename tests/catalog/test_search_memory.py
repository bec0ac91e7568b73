"""What a web worker need not load: pypinyin (only index writers do) and stripe (only payments do)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import search_text
from catalog.search import SearchQuery, search
from catalog.search_text import highlight, parse_query, pinyin_words
from tests.catalog import search_fixtures

add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops

ROOT = Path(__file__).resolve().parents[2]
TITLES = ["柘城三樱椒 干辣椒", "烟台红富士苹果 5斤装", "银行卡 招商银行", "民权干红葡萄酒 750ml", "特价<b>苹果</b>&礼盒",
          "永城电解铝锭 A00 99.7%", "㐀字 and 苹果", ""]
QUERIES = ["lajiao", "lj", "pingguo", "pg", "ping*", "yinhang", "yh", "putaojiu", "ptj", "lvding", "a00", "苹果 lj"]


@pytest.mark.parametrize("title", TITLES)
def test_highlight_from_stored_pinyin_equals_pypinyin(app, title):
    stored = pinyin_words(title)
    for text in QUERIES:
        parsed = parse_query(text)
        assert str(highlight(title, parsed, stored)) == str(highlight(title, parsed)), text


def test_malformed_or_missing_stored_pinyin_falls_back(app):
    parsed = parse_query("lajiao")
    expected = "柘城三樱椒 干<mark>辣椒</mark>"
    assert str(highlight("柘城三樱椒 干辣椒", parsed, None)) == expected
    assert str(highlight("柘城三樱椒 干辣椒", parsed, "辣椒 lajiao")) == expected


def test_pinyin_search_highlights_without_pypinyin(catalogue, monkeypatch):
    def no_pypinyin(word):
        assert not search_text._CJK.search(word), f"pypinyin was needed for {word}"

    monkeypatch.setattr(search_text, "word_pinyin", no_pypinyin)
    result = search("products", SearchQuery(text="lajiao"))
    assert str(result.highlights[catalogue["chili"].id]["title"]) == "柘城三樱椒 干<mark>辣椒</mark>"
    by_initials = search("products", SearchQuery(text="pg"))
    assert "<mark>苹果</mark>" in str(by_initials.highlights[catalogue["gala"].id]["title"])


def test_an_app_that_serves_pages_imports_neither_pypinyin_nor_stripe(tmp_path):
    code = ("import sys\n"
            "from marketplace import create_app\n"
            f"app = create_app({{'TESTING': True, 'SEARCH_WARM_UP': False, 'DATA_DIR': {str(tmp_path)!r}, "
            f"'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/app.db'}})\n"
            "print(sorted(m for m in ('pypinyin', 'stripe') if m in sys.modules))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MARKETPLACE_ENV")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"

