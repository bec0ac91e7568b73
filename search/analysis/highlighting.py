"""Highlighting: the words a query matched, marked in a text that is HTML-escaped."""

from __future__ import annotations

import html

import jieba
from markupsafe import Markup, escape

from search.analysis.pinyin import pinyin_lookup, word_pinyin
from search.analysis.text import CJK, ParsedQuery


def _spans_for(text: str, parsed: ParsedQuery, pinyin: str | None = None) -> list[tuple[int, int]]:
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    words = [w for w in parsed.words if not w.stop]
    ascii_words = [w for w in words if w.is_ascii]
    for word in words:
        needles = [word.raw.lower()] + ([] if word.is_ascii else word.terms)
        for needle in needles:
            if not needle:
                continue
            start = lowered.find(needle)
            while start >= 0:
                spans.append((start, start + len(needle)))
                start = lowered.find(needle, start + len(needle))
    if ascii_words and CJK.search(text):
        lookup = pinyin_lookup(pinyin) or {}
        for piece, start, end in jieba.tokenize(text, mode="search"):
            py = lookup[piece] if piece in lookup else word_pinyin(piece)
            if not py:
                continue
            for word in ascii_words:
                term = word.terms[0]
                if term in py or (word.prefix and (py[0].startswith(term) or py[1].startswith(term))):
                    spans.append((start, end))
    return spans


def highlight(text: str | None, parsed: ParsedQuery, pinyin: str | None = None) -> Markup:
    """``text`` HTML-escaped, with the parts the query matched wrapped in ``<mark>``.

    ``pinyin``: ``pinyin_words(text)`` as stored in the index; without it, the pinyin of the
    words is worked out here (which loads pypinyin).
    """
    text = text or ""
    if parsed.empty or not text:
        return escape(text)
    spans = sorted(_spans_for(text, parsed, pinyin))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return Markup("".join(out))  # noqa: S704 - every piece of the text went through html.escape
