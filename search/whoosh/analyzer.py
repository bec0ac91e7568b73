"""search.analysis's index terms as a Whoosh analyser (the text fields' analyser)."""

from __future__ import annotations

import functools

from whoosh.analysis import Token, Tokenizer

from search.analysis import index_terms
from search.analysis.ngrams import ngram_terms


class AnalysedTokenizer(Tokenizer):
    """The terms of ``search.analysis.index_terms``: jieba search mode, lowercase, stop words, stem
    (the filters of jieba's ChineseAnalyzer are applied there, so this needs none)."""

    terms = staticmethod(index_terms)
    #: No term spans an ASCII space (jieba cuts runs of Han characters, letters and digits, which a
    #: space ends; n-grams are taken inside runs of Han characters): a text's terms are its
    #: space-separated pieces' terms (search.whoosh.bulk analyses repeated pieces once).
    splits_on_spaces = True

    def __call__(self, text, **kwargs):
        token = Token()
        for term, start, end in self.terms(text):
            token.original = token.text = term
            token.pos = start
            token.startchar = start
            token.endchar = end
            yield token


@functools.lru_cache(maxsize=1)
def chinese_analyzer():
    """The text fields' analyser."""
    return AnalysedTokenizer()


class NgramTokenizer(AnalysedTokenizer):
    """Chinese characters and character pairs (``search.analysis.ngrams``): the "__ng" fields."""

    terms = staticmethod(ngram_terms)


@functools.lru_cache(maxsize=1)
def ngram_analyzer():
    return NgramTokenizer()
