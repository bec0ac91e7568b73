"""A document as a row of ``search_documents``: the analysed terms as a tsvector, filters, sort keys.

The terms are exactly the whoosh backend's (``search.analysis``): every text field's
``index_terms`` (jieba search-mode words, lowercase, stop words out, Porter stem) and each pinyin
field's full pinyin and initials. They are written as a tsvector *literal*, each lexeme quoted as
it is: what the 'simple' configuration would keep, without PostgreSQL's parser re-cutting jieba's
words (it splits ``99.7%`` or a lexeme with a mark). A lexeme's weight (A-D) says which text field
it came from (fields ranked by boost; a spec with more than four shares D); a pinyin lexeme
carries a mark and its field's number: ``~0lajiao`` (full pinyin), ``^0lj`` (initials); the
characters and character pairs of the text fields (``search.analysis.ngrams``) carry ``#``
(``#梨``, ``#卷尺``), the whoosh backend's ``__ng`` fields.

``words`` are the Chinese words of the main fields (the pinyin fields and those weighing at
least 1), kept in ``search_words``: what typed pinyin is read as (the whoosh backend reads them
from its lexicon).

Keyword and bool fields become ``keys`` entries ``field=value`` (a GIN index answers filters and
facet counts come from them); numbers and dates go to ``numbers`` (JSON); ``stored`` keeps what
the result page highlights, with each field's word pinyin (``__pw``), so no web worker needs
pypinyin to highlight.
"""

from __future__ import annotations

import hashlib
import json

from search.analysis import index_terms, pinyin_text, pinyin_words
from search.analysis.ngrams import ngram_terms
from search.spec import PINYIN_WORDS, IndexSpec, key_number, keyword_value, numeric_value

WEIGHTS = "ABCD"
FULL, INITIALS, NGRAM = "~", "^", "#"


def weight_classes(spec: IndexSpec) -> dict[str, str]:
    """Text field -> its weight letter: the highest boost A, the next B ... the fifth and later D."""
    ranked = sorted(spec.text_fields, key=lambda name: -spec.text_fields[name])
    return {name: WEIGHTS[min(i, 3)] for i, name in enumerate(ranked)}


def class_boosts(spec: IndexSpec) -> dict[str, float]:
    """Weight letter -> the boost it stands for (the largest of its fields')."""
    out: dict[str, float] = {}
    for name, letter in weight_classes(spec).items():
        out[letter] = max(out.get(letter, 0.0), spec.text_fields[name])
    return out


def pinyin_lexeme(mark: str, field_number: int, syllables: str) -> str:
    return f"{mark}{field_number}{syllables}"


def _text(doc: dict, name: str) -> str:
    value = doc.get(name) or ""
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    return str(value)


def lexemes(spec: IndexSpec, doc: dict) -> dict[str, set[tuple[int, str]]]:
    """lexeme -> {(position, weight)}: the position is the field's number (1-based) in text_fields."""
    letters = weight_classes(spec)
    out: dict[str, set[tuple[int, str]]] = {}
    position = {name: n + 1 for n, name in enumerate(spec.text_fields)}
    for name in spec.text_fields:
        text = _text(doc, name)
        for term, _start, _end in index_terms(text):
            out.setdefault(term, set()).add((position[name], letters[name]))
        for term, _start, _end in ngram_terms(text):
            out.setdefault(NGRAM + term, set()).add((position[name], letters[name]))
    for number, name in enumerate(spec.pinyin_fields):
        letter = letters.get(name, "D")
        full, initials = pinyin_text(_text(doc, name))
        where = (position.get(name, len(position) + 1), letter)
        for mark, words in ((FULL, full), (INITIALS, initials)):
            for word in words.split():
                out.setdefault(pinyin_lexeme(mark, number, word), set()).add(where)
    return out


def words(spec: IndexSpec, doc: dict) -> set[str]:
    """The Chinese words of the document's main fields (pinyin fields, and text fields weighing >= 1)."""
    names = dict.fromkeys((*spec.pinyin_fields, *(f for f, b in spec.text_fields.items() if b >= 1)))
    return {term for name in names for term, _s, _e in index_terms(_text(doc, name))
            if term[:1] >= "\u3400" and len(term) <= 40}


def quote(lexeme: str) -> str:
    """A lexeme as a quoted tsvector/tsquery literal (quotes doubled, backslashes escaped)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(found: dict[str, set[tuple[int, str]]]) -> str:
    parts = []
    for lexeme in sorted(found):
        places = ",".join(f"{pos}{weight}" for pos, weight in sorted(found[lexeme]))
        parts.append(f"{quote(lexeme)}:{places}")
    return " ".join(parts)


def keys(spec: IndexSpec, doc: dict) -> list[str]:
    out = []
    for name in spec.keyword_fields:
        value = doc.get(name)
        values = value if isinstance(value, (list, tuple, set)) else ([] if value in (None, "") else [value])
        for v in values:
            if v := keyword_value(v):
                out.append(f"{name}={v}")
    for name in spec.bool_fields:
        out.append(f"{name}={'1' if doc.get(name) else '0'}")
    return sorted(set(out))


#: Ids up to this fit the static rank (larger ones share its last place).
RANK_IDS = 10**12


def static_rank(length: int, oid: int) -> int:
    """Equally scored documents' order as one number, smallest first: the shorter title, then the
    newer (larger) id, as the full ranking breaks ties (search.postgres.query._order)."""
    return max(0, length) * RANK_IDS + (RANK_IDS - 1 - min(max(oid, 0), RANK_IDS - 1))


def to_row(spec: IndexSpec, key, doc: dict) -> dict:
    """The ``search_documents`` row of one document (``spec.document``'s dict)."""
    numbers = {}
    for name in (*spec.numeric_fields, *spec.date_fields):
        value = doc.get(name)
        numbers[name] = numeric_value(value) if value is not None else 0
    stored = {}
    for name in spec.highlighted:
        text = _text(doc, name)
        if text:
            stored[name] = text
            stored[name + PINYIN_WORDS] = pinyin_words(text)
    first = spec.highlighted[0] if spec.highlighted else None
    length = len(_text(doc, first)) if first else 0
    oid = key_number(key)
    row = {
        "index_name": spec.name,
        "object_id": str(key),
        "oid": oid,
        "length": length,
        "static_rank": static_rank(length, oid),
        "newest": numbers[spec.date_fields[0]] if spec.date_fields else length,
        "terms": tsvector_literal(lexemes(spec, doc)),
        "keys": keys(spec, doc),
        "numbers": numbers,
        "stored": stored,
    }
    row["signature"] = signature(row)
    return row


def signature(row: dict) -> str:
    """A fingerprint of what a row holds (``search check`` compares it with the database's)."""
    content = json.dumps([row["terms"], row["keys"], row["numbers"], row["stored"], row["length"], row["newest"]],
                         ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(content.encode(), digest_size=16).hexdigest()
