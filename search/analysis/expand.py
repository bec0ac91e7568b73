"""A parsed query as groups of alternative terms: what every backend compiles.

``expand_query(parsed, vocabulary, synonyms)`` turns each word of the user's query into a
``Group``: the document must match one of its ``Alt``\\ s, and every group (or, failing that,
any group). An ``Alt`` names the kind of field it is matched against and the terms it needs
(all of them), with a weight for ranking:

- ``word``: the analysed words of the text fields (``index_terms``);
- ``ngram``: the characters and character pairs of the text fields (``ngram_terms``), weaker;
- ``pinyin`` / ``initials``: the full pinyin and initials of the pinyin fields.

A Chinese word stands for itself, then for its synonyms, then for the words that contain it.
A run of letters is an English word, or pinyin or initials of known words (run together or
spaced: consecutive runs are joined when they split into pinyin), each piece its own group
standing for the Chinese words it spells. With ``fuzzy`` (a search that found nothing), a run
that spells nothing is read one letter away, and Chinese words by their sound (平果 -> 苹果).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.analysis.ngrams import query_ngrams
from search.analysis.synonyms import Synonyms
from search.analysis.text import ParsedQuery, QueryWord, normalise_term, stem
from search.analysis.vocabulary import Vocabulary, initials_of, readings

WORD, NGRAM, PINYIN, INITIALS = "word", "ngram", "pinyin", "initials"
#: Weights of the kinds of match, relative to a whole-word match of the word typed.
W_WORD, W_SYNONYM, W_NGRAM, W_SYNONYM_NGRAM = 1.0, 0.8, 0.45, 0.3
W_PINYIN, W_INITIALS, W_SOUND = 0.8, 0.6, 0.7
#: Most Chinese words one piece of pinyin or initials stands for.
MAX_READ_WORDS = 12


@dataclass(frozen=True)
class Alt:
    kind: str
    terms: tuple[str, ...]
    weight: float
    prefix: bool = False


@dataclass
class Group:
    raw: str
    alts: list[Alt] = field(default_factory=list)

    def add(self, alt: Alt) -> None:
        if alt.terms and all(alt.terms) and all(a.kind != alt.kind or a.terms != alt.terms for a in self.alts):
            self.alts.append(alt)


@dataclass
class ExpandedQuery:
    groups: list[Group]
    fuzzy: bool = False


def _chinese(group: Group, term: str, synonyms: Synonyms | None, scale: float = 1.0) -> None:
    group.add(Alt(WORD, (term,), W_WORD * scale))
    for other in (synonyms.expand(term) if synonyms else ()):
        norm = normalise_term(other) if not other.isascii() else stem(other)
        if norm:
            group.add(Alt(WORD, (norm,), W_SYNONYM * scale))
    group.add(Alt(NGRAM, query_ngrams(term), W_NGRAM * scale))
    for other in (synonyms.expand(term) if synonyms else ()):
        if len(other) >= 2 and not other.isascii():
            group.add(Alt(NGRAM, query_ngrams(other), W_SYNONYM_NGRAM * scale))


def _letters(raw: str, vocabulary: Vocabulary | None, synonyms, fuzzy: bool, prefix: bool) -> list[Group]:
    run = raw.lower()
    text_group = Group(raw)
    text_group.add(Alt(WORD, (stem(run),), W_WORD))
    text_group.add(Alt(PINYIN, (run,), W_PINYIN, prefix=prefix or (fuzzy and len(run) >= 3)))
    text_group.add(Alt(INITIALS, (run,), W_INITIALS, prefix=prefix))
    if not run.isalpha() or vocabulary is None:
        return [text_group]
    pieces = vocabulary.split(run)
    if pieces is None and fuzzy:
        fixes = vocabulary.corrections(run)
        pieces = vocabulary.split(fixes[0]) if fixes else None
    if pieces is not None:
        groups = []
        for piece in pieces:
            group = Group(piece) if len(pieces) > 1 else text_group
            group.add(Alt(PINYIN, (piece,), W_PINYIN))
            for word in vocabulary.words(piece)[:MAX_READ_WORDS]:
                _chinese(group, word, synonyms, W_PINYIN)
            groups.append(group)
        return groups
    initials = vocabulary.split(run, initials=True)
    if initials is not None:
        groups = []
        for piece in initials:
            group = Group(piece) if len(initials) > 1 else text_group
            group.add(Alt(INITIALS, (piece,), W_INITIALS))
            for word in vocabulary.words(piece, initials=True)[:MAX_READ_WORDS]:
                group.add(Alt(WORD, (word,), W_INITIALS))
            groups.append(group)
        return groups
    return [text_group]


def _join_spaced(words: list[QueryWord], vocabulary: Vocabulary | None) -> list[QueryWord]:
    """Consecutive runs of letters that together split into pinyin become one (``la jiao``)."""
    if vocabulary is None:
        return words
    out: list[QueryWord] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j].is_ascii and words[j].raw.isalpha() and not words[j].prefix:
            j += 1
        if j - i >= 2:
            joined = "".join(w.raw for w in words[i:j]).lower()
            if vocabulary.split(joined) is not None:
                out.append(QueryWord(raw=joined, terms=[joined], is_ascii=True))
                i = j
                continue
        out.append(words[i])
        i += 1
    return out


def _sound(group: Group, term: str, vocabulary: Vocabulary, synonyms) -> None:
    """A Chinese word typed with the wrong characters of the right sound (平果 for 苹果)."""
    for py in readings(term):
        for word in vocabulary.words(py)[:MAX_READ_WORDS]:
            if word != term:
                _chinese(group, word, synonyms, W_SOUND)


def expand_query(parsed: ParsedQuery, vocabulary: Vocabulary | None = None, synonyms: Synonyms | None = None,
                 fuzzy: bool = False) -> ExpandedQuery:
    """The groups of alternatives for ``parsed`` (see the module's docstring)."""
    synonyms = synonyms if synonyms is not None else getattr(parsed, "synonyms", None)
    groups: list[Group] = []
    for word in _join_spaced(parsed.words, vocabulary):
        if word.is_ascii:
            groups += _letters(word.raw, vocabulary, synonyms, fuzzy, word.prefix)
            continue
        for term in word.terms:
            group = Group(term)
            _chinese(group, term, synonyms)
            if fuzzy and vocabulary is not None:
                _sound(group, term, vocabulary, synonyms)
            groups.append(group)
    return ExpandedQuery(groups, fuzzy)


__all__ = ["INITIALS", "NGRAM", "PINYIN", "WORD", "Alt", "ExpandedQuery", "Group", "expand_query",
           "initials_of"]
