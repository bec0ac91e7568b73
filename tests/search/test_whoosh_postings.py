"""The term cache reads a posting list a block at a time (search.whoosh.cache._all_ids): the same ids,
in the same order, as whoosh's own ``all_ids()``, for lists of one block, many blocks, and a block
boundary exactly, in several segments."""

from __future__ import annotations

import pytest
from whoosh import fields
from whoosh.filedb.filestore import RamStorage

from search.whoosh.cache import _all_ids, _postings


@pytest.fixture(scope="module")
def reader():
    schema = fields.Schema(body=fields.KEYWORD(stored=False))
    index = RamStorage().create_index(schema)
    for start, stop in ((0, 700), (700, 1000)):  # two segments
        writer = index.writer()
        for n in range(start, stop):
            words = ["every"]
            words += ["third"] if n % 3 == 0 else []
            words += ["first128"] if n < 128 else []
            words += ["rare"] if n in (5, 699, 999) else []
            writer.add_document(body=" ".join(words))
        writer.commit(merge=False)
    with index.reader() as multi:
        yield multi


@pytest.mark.parametrize("term", ["every", "third", "first128", "rare", "absent"])
def test_block_reads_match_whoosh(reader, term):
    seen = 0
    for sub, _offset in reader.leaf_readers():
        expected = []
        if (("body", term.encode()) in sub._terms):  # noqa: SLF001
            expected = list(sub._terms.matcher("body", term.encode(), sub.schema["body"].format).all_ids())  # noqa: SLF001
            fresh = sub._terms.matcher("body", term.encode(), sub.schema["body"].format)  # noqa: SLF001
            assert _all_ids(fresh) == expected
        assert _postings(sub, "body", term) == expected
        seen += len(expected)
    assert seen == {"every": 1000, "third": 334, "first128": 128, "rare": 3, "absent": 0}[term]


def test_a_matcher_of_another_kind_is_read_id_by_id():
    from whoosh.matching import ListMatcher

    assert _all_ids(ListMatcher([2, 5, 9])) == [2, 5, 9]
