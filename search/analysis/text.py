"""Text analysis for search: jieba (loaded once per process), the terms a text is indexed under,
and query parsing. Pinyin is in ``search.analysis.pinyin``, highlighting in ``.highlighting``.

The index side (``index_terms``) is jieba's own ``ChineseAnalyzer`` (search mode: every dictionary
sub-word is a term; lowercase, stop words, Porter stem), written without a search engine so that
every backend indexes the same terms. The query side cuts each word in precise mode and passes the
pieces through the same filters, so a query term is always one of the indexed terms of a document
that contains the word. Nothing here raises on user input, and nothing here imports an engine.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from search.analysis.ngrams import false_subword
from search.analysis.porter import stem as porter_stem

#: jieba.analyse.analyzer.STOP_WORDS
STOP_WORDS = frozenset(("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
                        "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "us", "we",
                        "when", "will", "with", "yet", "you", "your", "的", "了", "和"))
_ACCEPTED = re.compile(r"[\u4E00-\u9FD5]+")

#: The domain dictionary: product, place and trade words jieba would cut wrongly (电解铝锭 -> 铝锭).
USER_DICT = Path(__file__).resolve().parent / "userdict.txt"

#: Longest query we look at (characters, after cleaning) and most words we use.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u4E00-\u9FD5]+")
#: A query word: a run of CJK, letters or digits, optionally with a trailing * (prefix search).
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+\*?")
#: A word split where it changes script: 永城mianfen is 永城 and mianfen.
_SCRIPTS = re.compile(r"[0-9A-Za-z]+\*?|[^0-9A-Za-z*]+\*?")
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


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Porter stem of a word (a Chinese word is left as it is)."""
    return porter_stem(word)


def index_terms(text: str | None):
    """The index side: every term of ``text`` with its (start, end) characters.

    jieba's search mode (every dictionary sub-word of a long word is a term as well), then the
    filters of jieba's ``ChineseAnalyzer``: single characters that are not Chinese dropped,
    lowercase, stop words dropped, Porter stem. Every backend indexes exactly these terms.
    """
    for word, start, end in jieba.tokenize(text or "", mode="search"):
        if not _ACCEPTED.match(word) and len(word) <= 1:
            continue
        term = word.lower()
        if not term or term in STOP_WORDS or false_subword(text, word, start, end):
            continue
        yield stem(term), start, end


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
    if len(term) <= 2 or not CJK.search(term):
        return ()
    pieces = []
    for piece in jieba.cut_for_search(term, HMM=False):
        norm = normalise_term(piece)
        if norm and norm != term and norm not in pieces:
            pieces.append(norm)
    # keep only pieces not contained in a longer piece, so the fallback stays strict
    return tuple(p for p in pieces if not any(p != q and p in q for q in pieces))


# --- query parsing ---------------------------------------------------------------------------

@dataclass
class QueryWord:
    """One word of the user's query and the index terms it stands for."""

    raw: str
    #: Normalised terms that must all occur (a Chinese word cut into pieces); for ASCII: one term.
    terms: list[str] = field(default_factory=list)
    is_ascii: bool = False
    prefix: bool = False
    #: A stop word (``you``, ``an``): kept only to be joined with its neighbours as pinyin (``xiang you``).
    stop: bool = False


@dataclass
class ParsedQuery:
    words: list[QueryWord]
    #: The cleaned text (what we show back to the user).
    cleaned: str
    truncated: bool = False
    #: search.analysis.synonyms.Synonyms applied when the query is expanded (None: none)
    synonyms: object = None

    @property
    def empty(self) -> bool:
        return all(w.stop for w in self.words)


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
    for raw in (piece for match in _WORD.finditer(cleaned) for piece in _SCRIPTS.findall(match.group(0))):
        prefix = raw.endswith("*")
        body = raw.rstrip("*")
        if not body or body in _OPERATORS:
            continue
        if body.isascii():
            term = body.lower()
            word = QueryWord(raw=body, terms=[term], is_ascii=True, prefix=prefix,
                             stop=term in STOP_WORDS and not prefix)
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


