"""Pinyin of Chinese words: full pinyin and initials for the index, and per word for highlighting.

pypinyin is imported only by the process that writes an index (its phrase dictionary costs
~55 MB per process): queries are matched against the pinyin terms built at index time, and
highlighting reads each result's word pinyin from a stored field (``pinyin_words``).
"""

from __future__ import annotations

import functools

import jieba

from search.analysis.text import CJK


@functools.lru_cache(maxsize=100_000)
def word_pinyin(word: str) -> tuple[str, str] | None:
    """(full pinyin, initials) of a Chinese word, e.g. 苹果 -> ("pingguo", "pg"); None otherwise."""
    if not CJK.search(word):
        return None
    from pypinyin import Style, lazy_pinyin

    syllables = [s for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore") if s.isascii() and s.isalpha()]
    if not syllables:
        return None
    return "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()


def _unique_words(text: str):
    seen = set()
    for word, _start, _end in jieba.tokenize(text or "", mode="search"):
        if word not in seen:
            seen.add(word)
            yield word


@functools.lru_cache(maxsize=10_000)
def pinyin_text(text: str) -> tuple[str, str]:
    """Space-separated full pinyin and initials of every search-mode word of ``text``."""
    full, initials = [], []
    for word in _unique_words(text):
        py = word_pinyin(word)
        if py:
            full.append(py[0])
            initials.append(py[1])
    return " ".join(full), " ".join(initials)


#: Stands for "no pinyin" in ``pinyin_words`` (a pinyin is never a hyphen).
_NO_PINYIN = "-"


@functools.lru_cache(maxsize=10_000)
def pinyin_words(text: str) -> str:
    """Every Chinese search-mode word of ``text`` with its pinyin and initials, for highlighting
    without pypinyin: ``"辣椒 lajiao lj 干 gan g"``. Such a word never contains a space (jieba cuts
    Chinese only out of runs of Han characters, letters, digits and ``+#&._%-``)."""
    parts = []
    for word in _unique_words(text):
        if CJK.search(word):
            py = word_pinyin(word) or (_NO_PINYIN, _NO_PINYIN)
            parts += (word, py[0], py[1])
    return " ".join(parts)


def pinyin_lookup(stored: str | None) -> dict[str, tuple[str, str] | None] | None:
    """``pinyin_words``' string as {word: (pinyin, initials) or None}; None when absent or malformed."""
    if stored is None:
        return None
    parts = stored.split(" ") if stored else []
    if len(parts) % 3:
        return None
    return {parts[i]: (None if parts[i + 1] == _NO_PINYIN else (parts[i + 1], parts[i + 2]))
            for i in range(0, len(parts), 3)}


