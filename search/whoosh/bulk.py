"""A Whoosh segment writer for building a segment from scratch fast (the rebuild's writer).

Whoosh's SegmentWriter puts every posting, as a (field, term, docnum, weight, value) tuple, into an
external-sort pool (sorted runs pickled to temporary files once ``limitmb`` is reached, merged at
the commit), then reads each document's field length back from the length column on disk for
every posting while it writes them. At 100,000 products (~145 postings a document) that sort and
those reads were most of the rebuild. This writer writes exactly the same segment files
(tests/search/test_bulk_writer.py compares them byte for byte) another way:

- Postings are grouped by term as they come: documents are numbered in the order they are added,
  so each term's document numbers are already in order. Only the distinct terms are sorted at the
  end; nothing is written to temporary files. Each posting costs 8 bytes (its document number and
  the index of its (weight, value) pair in a small table, both in ``array``s).
- A field value's analysis (jieba, n-grams, pinyin terms, keywords) is cached: shop names,
  categories, counties, subtitles and many titles repeat across a catalogue, and the same text
  always gives the same terms. A field whose values rarely repeat stops being cached.
- Each term's postings are handed to Whoosh's postings writer a block at a time (its own block
  size, statistics and encoding), with the field lengths kept in memory rather than read back.
- Each field's length column is written whole at the end, from those lengths, rather than a byte
  per document and field as documents come (about 13 column writes a document fewer).

It supports what the search indexes use (add_document without boosts, vectors or spelling fields,
into a new segment); anything else raises.
"""

from __future__ import annotations

from array import array
from operator import itemgetter

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.formats import Frequency
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

#: Values of one field cached at most (each holds references to its terms' posting lists).
CACHE_LIMIT = 50_000
#: After this many values of a field, its cache is dropped if fewer than CACHE_MIN_HITS of them repeated.
CACHE_PROBE = 5_000
CACHE_MIN_HITS = 0.2


def _pick(items: list, indexes) -> list:
    """``[items[i] for i in indexes]``, in C."""
    if len(indexes) == 1:
        return [items[indexes[0]]]
    return list(itemgetter(*indexes)(items))


class _Postings:
    """One term's postings: document numbers (ascending) and value ids (into the writer's table)."""

    __slots__ = ("docs", "values")

    def __init__(self):
        self.docs = array("I")
        self.values = array("I")


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter for a new segment filled by ``add_document`` only (see the module's notes)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        if not isinstance(self.codec, W3Codec):
            raise TypeError(f"BulkSegmentWriter writes Whoosh's W3 codec only, not {type(self.codec).__name__}")
        #: field -> {term bytes: its postings}
        self._terms: dict[str, dict[bytes, _Postings]] = {}
        #: (weight, value bytes) -> value id, and the pairs by id
        self._value_ids: dict[tuple, int] = {}
        self._values: list[tuple] = []
        #: field -> each document's length in that field (0: none), for scorable fields
        self._lengths: dict[str, array] = {}
        #: field -> {value: (length, ((term postings, value id), ...))}; None once given up
        self._caches: dict[str, dict | None] = {}
        self._lookups: dict[str, list[int]] = {}
        #: field -> {space-separated piece: [(term postings, frequency)]}, for fields that split
        self._piece_caches: dict[str, dict] = {}
        self._splitting: dict[str, bool] = {}
        #: frequency -> the value id of (frequency as the weight, its bytes): a counting format's values
        self._counted: dict[int, int] = {}

    # adding ------------------------------------------------------------------------------
    def add_document(self, **fields):
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fieldnames = sorted(fields)
        if any(name.startswith("_") for name in fieldnames):
            raise ValueError("BulkSegmentWriter does not take boosts or _stored_ values")
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                if field.indexed:
                    if field.separate_spelling() or field.vector:
                        raise ValueError(f"BulkSegmentWriter does not write spelling or vectors ({fieldname})")
                    length, postings = self._analysed(fieldname, field, value)
                    for term, value_id in postings:
                        term.docs.append(docnum)
                        term.values.append(value_id)
                    if field.scorable:
                        lengths = self._lengths.get(fieldname)
                        if lengths is None:
                            lengths = self._lengths[fieldname] = array("I")
                        if len(lengths) < docnum:
                            lengths.extend([0] * (docnum - len(lengths)))
                        lengths.append(length)
                        if length:  # as Whoosh's add_field counts it (a field never seen stays out)
                            perdocwriter._fieldlengths[fieldname] += length
                # length 0: the length columns are written whole at the end (_write_length_columns)
                perdocwriter.add_field(fieldname, field, value if field.stored else None, 0)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _analysed(self, fieldname: str, field, value) -> tuple[int, tuple]:
        """(length, ((term postings, value id), ...)) of one field value: cached when values repeat."""
        cache = self._caches.get(fieldname, {}) if isinstance(value, str) else None
        if cache is not None:
            found = cache.get(value)
            if found is not None:
                self._count(fieldname, hit=True)
                return found
        if isinstance(value, str) and " " in value and self._splits(fieldname, field):
            entry = self._analyse_pieces(fieldname, field, value)
        else:
            entry = self._analyse(fieldname, field, value)
        if cache is not None:
            if fieldname not in self._caches:
                self._caches[fieldname] = cache
            if len(cache) < CACHE_LIMIT:
                cache[value] = entry
            self._count(fieldname, hit=False)
        return entry

    def _splits(self, fieldname: str, field) -> bool:
        """Whether ``field``'s terms are the sum of its space-separated pieces' terms: its analyser
        never makes a term across a space (``splits_on_spaces``) and its format only counts terms."""
        found = self._splitting.get(fieldname)
        if found is None:
            found = self._splitting[fieldname] = (
                getattr(field.analyzer, "splits_on_spaces", False) and type(field.format) is Frequency
                and field.format.field_boost == 1.0)
        return found

    def _analyse_pieces(self, fieldname: str, field, value: str) -> tuple[int, tuple]:
        """A text of several words (the facts: category, county, shop, attributes) analysed a piece
        at a time, each distinct piece once: the same terms and frequencies as the whole text."""
        pieces = self._piece_caches.setdefault(fieldname, {})
        freqs: dict[_Postings, int] = {}
        for piece in value.split(" "):
            if not piece:
                continue
            found = pieces.get(piece)
            if found is None:
                found = []
                for postings, freq, weight, vbytes in self._terms_of(fieldname, field, piece):
                    if weight != freq or vbytes != pack_uint(freq):  # a format that does more than count
                        raise ValueError(f"{fieldname}: cannot sum the terms of {piece!r}")
                    found.append((postings, freq))
                if len(pieces) < CACHE_LIMIT:
                    pieces[piece] = found
            for postings, freq in found:
                freqs[postings] = freqs.get(postings, 0) + freq
        length = sum(freqs.values()) if field.scorable else 0
        counted = self._counted
        for freq in freqs.values():
            if freq not in counted:
                counted[freq] = self._value_id(freq * 1.0, pack_uint(freq))
        return length, tuple((postings, counted[freq]) for postings, freq in freqs.items())

    def _analyse(self, fieldname: str, field, value) -> tuple[int, tuple]:
        """Whoosh's own analysis of one field value."""
        length = 0
        out = []
        for postings, freq, weight, vbytes in self._terms_of(fieldname, field, value):
            if field.scorable:
                length += freq
            out.append((postings, self._value_id(weight, vbytes)))
        return length, tuple(out)

    def _terms_of(self, fieldname: str, field, value):
        """(the term's postings, frequency, weight, value bytes) for each term of ``value``."""
        terms = self._terms.setdefault(fieldname, {})
        for tbytes, freq, weight, vbytes in field.index(value):
            weight *= 1.0  # SegmentWriter multiplies by the field boost (1.0 here): the same float
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = _Postings()
            yield postings, freq, weight, vbytes

    def _value_id(self, weight: float, vbytes: bytes) -> int:
        key = (weight, vbytes)
        value_id = self._value_ids.get(key)
        if value_id is None:
            value_id = self._value_ids[key] = len(self._values)
            self._values.append(key)
        return value_id

    def _count(self, fieldname: str, hit: bool) -> None:
        counts = self._lookups.setdefault(fieldname, [0, 0])
        counts[0] += 1
        counts[1] += hit
        if counts[0] == CACHE_PROBE and counts[1] < CACHE_MIN_HITS * CACHE_PROBE:
            self._caches[fieldname] = None

    def add_reader(self, reader):
        """Whoosh merges another segment's postings into the new one through this; the bulk writer
        never merges (each rebuild process writes its own segment and the parent lists them), so it
        refuses rather than silently dropping the reader's documents."""
        raise TypeError("BulkSegmentWriter does not merge segments: it writes a new segment from documents only")

    def cache_stats(self) -> dict[str, tuple[int, int]]:
        """field -> (values looked up, of which repeated), for reports."""
        return {name: (n, hits) for name, (n, hits) in self._lookups.items()}

    # writing the segment -------------------------------------------------------------------
    def _flush_segment(self):
        self._write_length_columns()
        self.perdocwriter.close()
        self._write_postings()
        self.fieldwriter.close()

    def _write_length_columns(self) -> None:
        """Each scorable field's length column in one write: the bytes Whoosh's per-document writes
        leave (a length byte per document up to the last one with the field, 0 where it is absent);
        no column for a field no document has."""
        perdocwriter = self.perdocwriter
        as_byte: dict[int, int] = {}
        for fieldname in sorted(self._lengths):
            lengths = self._lengths[fieldname]
            for n in set(lengths):
                as_byte[n] = length_to_byte(n)
            data = bytes(map(as_byte.__getitem__, lengths)).rstrip(b"\0")
            if not data:
                continue
            column = _lenfield(fieldname)
            perdocwriter._create_column(column, LENGTHS_COLUMN)
            writer = perdocwriter._get_column(column)
            writer._dbfile.write(data)
            writer._count = len(data)

    def _write_postings(self) -> None:
        schema = self.schema
        fieldwriter = self.fieldwriter
        blocklimit = self.codec._blocklimit
        weights = [w for w, _v in self._values]
        vbytes = [v for _w, v in self._values]
        quantised: dict[int, int] = {0: 0}
        for fieldname in sorted(self._terms):
            terms = self._terms[fieldname]
            if not terms:
                continue
            lengths = self._lengths.get(fieldname)
            qlengths = None
            if lengths is not None:  # each document's length as the length column gives it back
                for n in set(lengths):
                    if n not in quantised:
                        quantised[n] = byte_to_length(length_to_byte(n))
                qlengths = [quantised[n] for n in lengths]
            fieldwriter.start_field(fieldname, schema[fieldname])
            for tbytes in sorted(terms):
                postings = terms[tbytes]
                docs, ids = postings.docs, postings.values
                fieldwriter.start_term(tbytes)
                postwriter = fieldwriter._postwriter
                n = len(docs)
                for start in range(0, n, blocklimit):
                    if start:
                        postwriter._write_block()
                    block_docs = docs[start:start + blocklimit] if n > blocklimit else docs
                    block_ids = ids[start:start + blocklimit] if n > blocklimit else ids
                    block_weights = _pick(weights, block_ids)
                    postwriter._ids = block_docs
                    postwriter._weights = array("f", block_weights)
                    postwriter._values = list(filter(None, _pick(vbytes, block_ids)))
                    postwriter._maxweight = max(0, max(block_weights))
                    if qlengths is not None:  # a term's documents all have the field, so a length
                        present = list(filter(None, _pick(qlengths, block_docs)))
                        postwriter._minlength = min(present) if present else None
                        postwriter._maxlength = max(present) if present else 0
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        self._terms.clear()
        self._caches.clear()
        self._piece_caches.clear()
