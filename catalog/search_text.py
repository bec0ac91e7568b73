"""Text analysis for search: jieba (loaded once per process), pinyin, query parsing, highlighting.

The index side uses jieba's own ``ChineseAnalyzer`` (search mode: every dictionary sub-word is a
term). The query side cuts each word in precise mode and passes the pieces through the same
filters (lowercase, stop words, stemming), so a query term is always one of the indexed terms of a
document that contains the word. Nothing here raises on user input.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import jieba
from markupsafe import Markup, escape
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.lang.porter import stem

#: jieba.analyse.analyzer.STOP_WORDS
STOP_WORDS = frozenset(("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
                        "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "us", "we",
                        "when", "will", "with", "yet", "you", "your", "的", "了", "和"))
_ACCEPTED = re.compile(r"[\u4E00-\u9FD5]+")


class ChineseTokenizer(Tokenizer):
    """jieba's own ChineseTokenizer (jieba.analyse.analyzer), verbatim.

    Importing ``jieba.analyse`` also loads a 6 MB IDF table we never use (about a second per
    process, and it leaves the file open), so the dozen lines live here.
    """

    def __call__(self, text, **kargs):
        token = Token()
        for word, start, stop in jieba.tokenize(text, mode="search"):
            if not _ACCEPTED.match(word) and len(word) <= 1:
                continue
            token.original = token.text = word
            token.pos = start
            token.startchar = start
            token.endchar = stop
            yield token


def ChineseAnalyzer(stoplist=STOP_WORDS, minsize=1, stemfn=stem, cachesize=50000):  # noqa: N802 (jieba's name)
    """jieba's ChineseAnalyzer: search-mode words | lowercase | stop words | Porter stem."""
    return (ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=stoplist, minsize=minsize)
            | StemFilter(stemfn=stemfn, ignore=None, cachesize=cachesize))

USER_DICT = Path(__file__).resolve().parent / "dict" / "userdict.txt"

#: Longest query we look at (characters, after cleaning) and most words we use.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u4E00-\u9FD5]+")
#: A query word: a run of CJK, letters or digits, optionally with a trailing * (prefix search).
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+\*?")
_OPERATORS = {"AND", "OR", "NOT", "TO"}

_init_lock = threading.Lock()
_initialised = False


def init_jieba(data_dir: str | None = None) -> None:
    """Load jieba's dictionary and the domain dictionary, once per process.

    jieba caches its prefix dictionary in ``tmp_dir`` (``/tmp`` otherwise); we point it at the data
    folder so the cache survives and is private to the deployment.
    """
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if _initialised:
            return
        jieba.setLogLevel(logging.WARNING)
        if data_dir:
            cache_dir = Path(data_dir) / "jieba"
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.dt.tmp_dir = str(cache_dir)
        jieba.initialize()
        if USER_DICT.exists():
            with open(USER_DICT, "rb") as f:
                jieba.load_userdict(f)
        _initialised = True


@functools.lru_cache(maxsize=1)
def chinese_analyzer():
    """The index-side analyzer (jieba search mode | lowercase | stop words | stem)."""
    return ChineseAnalyzer()


def normalise_term(token: str) -> str | None:
    """What the index analyzer's filters make of one token; None if it is dropped."""
    token = token.strip().lower()
    if not token:
        return None
    if not _HAN_RUN.match(token) and len(token) <= 1:
        return None
    if token in STOP_WORDS:
        return None
    return stem(token) if token.isascii() else token


@functools.lru_cache(maxsize=10_000)
def sub_terms(term: str) -> tuple[str, ...]:
    """The smaller dictionary words inside ``term`` (a fallback when the whole word is not indexed)."""
    if len(term) <= 2 or not _CJK.search(term):
        return ()
    pieces = []
    for piece in jieba.cut_for_search(term, HMM=False):
        norm = normalise_term(piece)
        if norm and norm != term and norm not in pieces:
            pieces.append(norm)
    # keep only pieces not contained in a longer piece, so the fallback stays strict
    return tuple(p for p in pieces if not any(p != q and p in q for q in pieces))


# --- pinyin ----------------------------------------------------------------------------------
# pypinyin is imported only by the process that writes an index (its phrase dictionary costs
# ~55 MB per process): queries are matched against the pinyin fields built at index time, and
# highlighting reads each result's word pinyin from a stored field (``pinyin_words``).

@functools.lru_cache(maxsize=100_000)
def word_pinyin(word: str) -> tuple[str, str] | None:
    """(full pinyin, initials) of a Chinese word, e.g. 苹果 -> ("pingguo", "pg"); None otherwise."""
    if not _CJK.search(word):
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


def pinyin_words(text: str) -> str:
    """Every Chinese search-mode word of ``text`` with its pinyin and initials, for highlighting
    without pypinyin: ``"辣椒 lajiao lj 干 gan g"``. Such a word never contains a space (jieba cuts
    Chinese only out of runs of Han characters, letters, digits and ``+#&._%-``)."""
    parts = []
    for word in _unique_words(text):
        if _CJK.search(word):
            py = word_pinyin(word) or (_NO_PINYIN, _NO_PINYIN)
            parts += (word, py[0], py[1])
    return " ".join(parts)


def _pinyin_lookup(stored: str | None) -> dict[str, tuple[str, str] | None] | None:
    """``pinyin_words``' string as {word: (pinyin, initials) or None}; None when absent or malformed."""
    if stored is None:
        return None
    parts = stored.split(" ") if stored else []
    if len(parts) % 3:
        return None
    return {parts[i]: (None if parts[i + 1] == _NO_PINYIN else (parts[i + 1], parts[i + 2]))
            for i in range(0, len(parts), 3)}


# --- query parsing ---------------------------------------------------------------------------

@dataclass
class QueryWord:
    """One word of the user's query and the index terms it stands for."""

    raw: str
    #: Normalised terms that must all occur (a Chinese word cut into pieces); for ASCII: one term.
    terms: list[str] = field(default_factory=list)
    is_ascii: bool = False
    prefix: bool = False


@dataclass
class ParsedQuery:
    words: list[QueryWord]
    #: The cleaned text (what we show back to the user).
    cleaned: str
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.words


def clean_query(text: str | None) -> tuple[str, bool]:
    """Drop control and format characters, normalise width, collapse spaces, cap the length."""
    if not text:
        return "", False
    text = unicodedata.normalize("NFKC", str(text)[: MAX_QUERY_CHARS * 10])
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUERY_CHARS
    return text[:MAX_QUERY_CHARS], truncated


def parse_query(text: str | None) -> ParsedQuery:
    """Turn whatever the user typed into words of index terms. Never raises.

    Operators and punctuation are not syntax here: ``AND``/``OR``/``NOT`` are ignored, brackets and
    quotes split words, ``*`` only means "prefix" at the end of a Latin word (``ping*``).
    """
    cleaned, truncated = clean_query(text)
    words: list[QueryWord] = []
    seen: set[tuple[str, ...]] = set()
    for match in _WORD.finditer(cleaned):
        raw = match.group(0)
        prefix = raw.endswith("*")
        body = raw.rstrip("*")
        if not body or body in _OPERATORS:
            continue
        if body.isascii():
            term = body.lower()
            if len(term) < 1 or (term in STOP_WORDS and not prefix):
                continue
            word = QueryWord(raw=body, terms=[term], is_ascii=True, prefix=prefix)
        else:
            terms = []
            for piece in jieba.cut(body, HMM=True):
                term = normalise_term(piece)
                if term and term not in terms:
                    terms.append(term)
            if not terms:
                continue
            word = QueryWord(raw=body, terms=terms)
        key = (word.prefix, *word.terms)
        if key in seen:
            continue
        seen.add(key)
        words.append(word)
        if len(words) >= MAX_QUERY_WORDS:
            truncated = True
            break
    return ParsedQuery(words=words, cleaned=cleaned, truncated=truncated)


# --- highlighting ----------------------------------------------------------------------------

def _spans_for(text: str, parsed: ParsedQuery, pinyin: str | None = None) -> list[tuple[int, int]]:
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    ascii_words = [w for w in parsed.words if w.is_ascii]
    for word in parsed.words:
        needles = [word.raw.lower()] + ([] if word.is_ascii else word.terms)
        for needle in needles:
            if not needle:
                continue
            start = lowered.find(needle)
            while start >= 0:
                spans.append((start, start + len(needle)))
                start = lowered.find(needle, start + len(needle))
    if ascii_words and _CJK.search(text):
        lookup = _pinyin_lookup(pinyin) or {}
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
