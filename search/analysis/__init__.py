"""Text analysis for every search backend: jieba words, pinyin, initials, query parsing, highlighting.

No search engine is imported here: the whoosh and postgres backends index the same terms
(``index_terms``, ``pinyin_text``) and read the same parsed queries (``parse_query``).
"""

from search.analysis.highlighting import highlight
from search.analysis.pinyin import pinyin_lookup, pinyin_text, pinyin_words, word_pinyin
from search.analysis.text import (
    STOP_WORDS,
    ParsedQuery,
    QueryWord,
    clean_query,
    index_terms,
    init_jieba,
    normalise_term,
    parse_query,
    stem,
    sub_terms,
)

__all__ = ["STOP_WORDS", "ParsedQuery", "QueryWord", "clean_query", "highlight", "index_terms", "init_jieba",
           "normalise_term", "parse_query", "pinyin_lookup", "pinyin_text", "pinyin_words", "stem", "sub_terms",
           "word_pinyin"]
