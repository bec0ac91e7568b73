"""Pinyin as buyers type it, against the Chinese words an index holds.

``Vocabulary(words)`` maps the full pinyin and the initials of every word of an index (the
backend hands over its words: Whoosh's lexicon, a PostgreSQL table) back to the words, so that a
pinyin query becomes the Chinese words it stands for and is matched like them (compounds,
synonyms). A run of letters is split into the fewest pinyin or initials of known words
(``gangjuanchi`` = 钢卷尺, ``ycmf`` = 永城 面粉), and ``corrections`` finds the spellings one
letter away that do split (``lajio`` -> ``lajiao``), for a search that found nothing.

Pinyin here is worked out a character at a time from pypinyin's character table, loaded alone
(about 3 MB, where pypinyin's phrase dictionary costs ~55 MB per process): good enough to match
words, while the index keeps its exact phrase pinyin (``search.analysis.pinyin``).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import os
import string
import unicodedata
from collections.abc import Iterable, Mapping

#: Longest run of letters looked at, and most pieces it may be split into.
MAX_RUN = 40
MAX_PIECES = 6
#: Most readings of one word tried (characters with several readings multiply).
MAX_READINGS = 4


@functools.lru_cache(maxsize=1)
def _char_table() -> dict[str, tuple[str, ...]]:
    """{character: its readings without tones}, from pypinyin's pinyin_dict module alone."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:  # pragma: no cover - pypinyin is a dependency
        return {}
    path = os.path.join(os.path.dirname(spec.origin), "pinyin_dict.py")
    loader_spec = importlib.util.spec_from_file_location("_search_pinyin_dict", path)
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    table = {}
    for code, readings in module.pinyin_dict.items():
        plain = tuple(dict.fromkeys(_toneless(r) for r in readings.split(",")))
        table[chr(code)] = tuple(p for p in plain if p.isascii() and p.isalpha())
    return table


def load_char_table() -> None:
    """Load the character table now (gunicorn's master, before the fork: marketplace.domains.before_fork)."""
    _char_table()


def _toneless(reading: str) -> str:
    reading = reading.replace("ü", "v")
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)).lower()


def _spellings(word: str, per_char) -> tuple[str, ...]:
    """The spellings of ``word`` from each character's first two readings, ``per_char(readings)``
    choosing what each character contributes; () when a character has no reading."""
    table = _char_table()
    options = []
    for ch in word:
        found = table.get(ch)
        if not found:
            return ()
        options.append(per_char(found[:2]))
    return tuple(dict.fromkeys("".join(c) for c in itertools.islice(itertools.product(*options), MAX_READINGS)))


@functools.lru_cache(maxsize=50_000)
def readings(word: str) -> tuple[str, ...]:
    """Full pinyin readings of a Chinese word (most likely first), e.g. 苹果 -> ("pingguo",)."""
    return _spellings(word, lambda found: found)


@functools.lru_cache(maxsize=50_000)
def initials_of(word: str) -> tuple[str, ...]:
    """Initials of a Chinese word's readings, e.g. 苹果 -> ("pg",)."""
    return _spellings(word, lambda found: tuple(dict.fromkeys(r[0] for r in found)))


class Vocabulary:
    """Pinyin and initials of an index's Chinese words, back to the words.

    ``words`` is an iterable of words or a mapping {word: how many documents have it}: where one
    spelling stands for several words (``bj``: 白酒, 八角, 北京 ...), the commoner come first.
    """

    def __init__(self, words: Iterable[str] | Mapping[str, int]):
        self.full: dict[str, set[str]] = {}
        self.initials: dict[str, set[str]] = {}
        #: full-pinyin keys of words of two or more characters (a piece of one character costs more)
        self._multi: set[str] = set()
        self.counts: dict[str, int] = dict(words) if isinstance(words, Mapping) else {}
        self.add(words)

    def add(self, words: Iterable[str] | Mapping[str, int]) -> None:
        """Take more words (a backend's new words since it last looked)."""
        if isinstance(words, Mapping):
            for word, count in words.items():
                self.counts[word] = max(count, self.counts.get(word, 0))
        for word in words:
            if not word or not all("\u4e00" <= c <= "\u9fd5" for c in word) or len(word) > 8:
                continue
            for py in readings(word):
                self.full.setdefault(py, set()).add(word)
                if len(word) >= 2:
                    self._multi.add(py)
            if len(word) >= 2:
                for ini in initials_of(word):
                    self.initials.setdefault(ini, set()).add(word)
        self._longest = max((len(k) for k in self.full), default=0)

    def count(self, word: str) -> int:
        return self.counts.get(word, 1)

    def __bool__(self) -> bool:
        return bool(self.full)

    def split(self, run: str, initials: bool = False) -> list[str] | None:
        """``run`` as the fewest keys of the full-pinyin (or initials) table, or None.

        Keys of one-character words cost more, and at most one of them may be used beside
        others: ``gangjuanchi`` is 钢 卷尺, but ``lajio`` is not 辣 鸡 哦.
        """
        table = self.initials if initials else self.full
        run = run.lower()
        if not run or len(run) > MAX_RUN or not table:
            return None
        longest = 8 if initials else self._longest
        # best[i] = (cost, single-character pieces, pieces) for run[:i]
        best: list[tuple[int, int, list[str]] | None] = [None] * (len(run) + 1)
        best[0] = (0, 0, [])
        for i in range(len(run)):
            if best[i] is None or len(best[i][2]) >= MAX_PIECES:
                continue
            cost, singles, pieces = best[i]
            for j in range(i + 1, min(len(run), i + longest) + 1):
                key = run[i:j]
                if key not in table:
                    continue
                single = not initials and key not in self._multi
                entry = (cost + (3 if single else 1), singles + single, [*pieces, key])
                if best[j] is None or entry[:2] < best[j][:2]:
                    best[j] = entry
        found = best[len(run)]
        if found is None or (found[1] > 1) or (found[1] == 1 and len(found[2]) > 2):
            return None
        return found[2]

    def words(self, key: str, initials: bool = False) -> list[str]:
        """The words spelled ``key``, the commonest first."""
        return sorted((self.initials if initials else self.full).get(key, ()), key=lambda w: (-self.count(w), w))

    def corrections(self, run: str, limit: int = 3) -> list[str]:
        """Spellings near ``run`` that split into full pinyin of known words, best first: fewest
        pieces, then the sounds people mix up (z/zh, c/ch, s/sh, n/l, in/ing, en/eng, an/ang, f/h)
        before other slips (two letters swapped, then one dropped, added or changed), then the
        commoner words."""
        run = run.lower()
        if len(run) < 4 or len(run) > MAX_RUN:
            return []
        found: dict[str, tuple] = {}
        for rank, candidates in enumerate((_fuzzy_sounds(run), *_edits1(run))):
            for candidate in candidates:
                if candidate in found:
                    continue
                pieces = self.split(candidate)
                if pieces is not None:
                    common = sum(max((self.count(w) for w in self.words(p)), default=0) for p in pieces)
                    found[candidate] = (len(pieces), rank, -common, candidate)
        return sorted(found, key=found.__getitem__)[:limit]


#: Sounds a pinyin keyboard user mixes up (模糊音: what Chinese input methods forgive), both ways.
_CONFUSED = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"), ("ang", "an"),
             ("l", "n"), ("h", "f"))


def _fuzzy_sounds(word: str) -> set[str]:
    """``word`` with one of its confusable sounds swapped for the other (hongzhao -> hongzao)."""
    out = set()
    for a, b in _CONFUSED:
        for old, new in ((a, b), (b, a)):
            at = word.find(old)
            while at >= 0:
                out.add(word[:at] + new + word[at + len(old):])
                at = word.find(old, at + 1)
    out.discard(word)
    return out


def _edits1(word: str) -> tuple[set[str], set[str], set[str]]:
    """Spellings one slip away from ``word``, likeliest kind first: two neighbours swapped; a letter
    dropped, added or changed."""
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    deletes = {a + b[1:] for a, b in splits if b}
    inserts = {a + c + b for a, b in splits for c in letters}
    changes = {a + c + b[1:] for a, b in splits if b for c in letters}
    return swaps - {word}, (deletes | inserts | changes) - {word}
