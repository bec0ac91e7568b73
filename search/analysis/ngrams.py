"""Single characters and character pairs of Chinese text: the substring side of matching.

A word's terms (``index_terms``) find whole words; these find a character or a word *inside*
another (梨 in 酥梨, 卷尺 in 钢卷尺) whichever way jieba cut the text. A query word of one
character asks for that character; a longer word asks for every pair of neighbouring characters
in it (a close approximation of "contains it"). Pairs that are a false word inside a longer one
(合肥, the city, inside 复合肥) are left out, here and in ``index_terms``.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u4E00-\u9FD5]+")

#: A sub-word that must not be indexed inside these longer words (it means something else there).
FALSE_SUBWORDS: dict[str, tuple[str, ...]] = {
    "合肥": ("复合肥",),
}


def false_subword(text: str, sub: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (== ``sub``) lies inside a longer word it must not be found in."""
    for longer in FALSE_SUBWORDS.get(sub, ()):
        at = text.find(longer, max(0, start - len(longer)), end + len(longer))
        while at >= 0 and at <= start:
            if at + len(longer) >= end:
                return True
            at = text.find(longer, at + 1, end + len(longer))
    return False


def ngram_terms(text: str | None):
    """(term, start, end) for every Chinese character and every pair of neighbouring characters."""
    for run in _HAN.finditer(text or ""):
        s, base = run.group(0), run.start()
        for i, ch in enumerate(s):
            yield ch, base + i, base + i + 1
            if i + 1 < len(s):
                pair = s[i:i + 2]
                if not false_subword(text, pair, base + i, base + i + 2):
                    yield pair, base + i, base + i + 2


def query_ngrams(word: str) -> tuple[str, ...]:
    """The n-gram terms a Chinese query word needs (all of them): its character, or its pairs."""
    chars = "".join(_HAN.findall(word or ""))
    if len(chars) <= 1:
        return (chars,) if chars else ()
    return tuple(dict.fromkeys(chars[i:i + 2] for i in range(len(chars) - 1)))
