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
W_WORD, W_SYNONYM, W_NGRAM = 1.0, 0.8, 0.45
W_PINYIN, W_INITIALS, W_SOUND = 0.8, 0.6, 0.7
#: A spelling matched as it is typed, in the pinyin fields, when it also spells known words (their
#: matches rank it); a prefix (``ping*``) matched as a prefix.
W_SPELLING, PREFIX_WEIGHT = 0.5, 0.7
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


def _weak(pieces: list[str] | None, vocabulary: Vocabulary) -> bool:
    """A split that is no split, or that needs a word of one character (malinshu: 吗啉 + 数)."""
    return pieces is None or (len(pieces) > 1 and any(len(w) == 1 for p in pieces for w in vocabulary.words(p)[:1]))


def _reading_weight(base: float, vocabulary: Vocabulary, word: str, words: list[str]) -> float:
    """``base`` for the commonest of the words one spelling stands for, down to half for the rarest."""
    top = max(vocabulary.count(w) for w in words)
    return base * (0.5 + 0.5 * vocabulary.count(word) / top) if top > 1 else base


def _read(group: Group, vocabulary: Vocabulary, piece: str, synonyms, initials: bool, scale: float = 1.0) -> None:
    """The Chinese words ``piece`` spells (full pinyin or initials), each matched like a typed word,
    and the spelling itself in the pinyin fields (weaker when it spells known words, so that the
    commonest word, matched both ways, ranks above a rarer one of the same spelling)."""
    base = (W_INITIALS if initials else W_PINYIN) * scale
    words = vocabulary.words(piece, initials=initials)[:MAX_READ_WORDS]
    for word in words:
        _chinese(group, word, synonyms, _reading_weight(base, vocabulary, word, words))
    group.add(Alt(INITIALS if initials else PINYIN, (piece,), base * (W_SPELLING if words else 1.0)))


def _letters(raw: str, vocabulary: Vocabulary | None, synonyms, fuzzy: bool, prefix: bool) -> list[Group]:
    run = raw.lower()
    text_group = Group(raw)
    text_group.add(Alt(WORD, (stem(run),), W_WORD))
    if prefix or (fuzzy and len(run) >= 3):
        text_group.add(Alt(PINYIN, (run,), W_PINYIN * PREFIX_WEIGHT, prefix=True))
    if prefix:
        text_group.add(Alt(INITIALS, (run,), W_INITIALS * PREFIX_WEIGHT, prefix=True))
    groups = [text_group]
    if run.isalpha() and vocabulary is not None:
        pieces, scale = vocabulary.split(run), 1.0
        if fuzzy and _weak(pieces, vocabulary):
            for fix in vocabulary.corrections(run, limit=1):
                fixed = vocabulary.split(fix)
                if pieces is None or len(fixed) < len(pieces):
                    pieces, scale = fixed, W_SOUND
        initials = False
        if pieces is None:
            pieces, initials = vocabulary.split(run, initials=True), True
        if pieces is not None:
            groups = [Group(piece) for piece in pieces] if len(pieces) > 1 else groups
            for group, piece in zip(groups, pieces, strict=True):
                _read(group, vocabulary, piece, synonyms, initials, scale)
    text_group.add(Alt(PINYIN, (run,), W_PINYIN))
    text_group.add(Alt(INITIALS, (run,), W_INITIALS))
    return groups


def _join_spaced(words: list[QueryWord], vocabulary: Vocabulary | None) -> list[QueryWord]:
    """Consecutive runs of letters that together split into pinyin become one (``la jiao``,
    ``xiang you``: a stop word is a syllable here); stop words left alone are dropped."""
    out: list[QueryWord] = []
    i = 0
    while i < len(words):
        j = i
        while (vocabulary is not None and j < len(words) and words[j].is_ascii and words[j].raw.isalpha()
               and not words[j].prefix):
            j += 1
        if j - i >= 2:
            joined = "".join(w.raw for w in words[i:j]).lower()
            if vocabulary.split(joined) is not None:
                out.append(QueryWord(raw=joined, terms=[joined], is_ascii=True))
                i = j
                continue
        if not words[i].stop:
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
        whole = normalise_term(word.raw) if len(word.terms) > 1 and synonyms else None
        if whole and synonyms.expand(whole):
            # a word jieba cuts (西蓝花 -> 西, 蓝花) that has synonyms: one group for the whole word
            group = Group(word.raw)
            group.add(Alt(WORD, tuple(word.terms), W_WORD))
            _chinese(group, whole, synonyms)
            groups.append(group)
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
