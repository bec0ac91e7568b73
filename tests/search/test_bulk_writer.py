"""The whoosh rebuild's bulk writer and its per-process segments: the same index, built faster.

The bulk writer (search.whoosh.bulk) must write the very bytes Whoosh's own SegmentWriter writes
for the same documents (a rebuild split between processes: tests/catalog/test_search_rebuild.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from search import get_spec
from search.whoosh import bulk
from search.whoosh import engine as search_engine

TITLES = ["烟台红富士苹果 5斤装", "柘城三樱椒 干辣椒", "电解铝锭 A00 99.7%", "宁陵金顶谢花酥梨 礼盒装",
          "民权干红葡萄酒 750ml", "虞城钢卷尺 5米", "复合肥 40kg 高氮", "the apple of my eye"]
SHOPS = ["柘城辣椒合作社", "老王家庭农场", "永城铝业有限公司", "合肥复合肥厂"]


@pytest.fixture
def app_config(app_config):
    app_config["SEARCH_BACKEND"] = "whoosh"
    return app_config


def _documents(n: int) -> list[dict]:
    """Products-index documents: repeated titles, shops and counties (cached), unique words (not),
    more than a posting block (128) of documents per common term."""
    spec = get_spec("products")
    docs = []
    for i in range(n):
        title = TITLES[i % len(TITLES)] + (f" 批次{i}号" if i % 3 == 0 else "")
        doc = {
            "title": title,
            "subtitle": "产地直供" if i % 2 else "",
            "description": f"{title}，第{i}批。\n- 规格：箱\n- 支持自提" + ("\r\n合肥" if i % 7 == 0 else ""),
            "facts": f"农产品 水果 {'柘城县' if i % 2 else '宁陵县'} {SHOPS[i % len(SHOPS)]} 品种 第{i % 50}号 等级 一级",
            "category_path": ["农产品", "农产品/水果"],
            "county": "柘城县" if i % 2 else "宁陵县",
            "shop_type": "farmer",
            "cert": ["gi"] if i % 5 == 0 else [],
            "shop_id": str(i % 37),
            "price_cents": 100 + i,
            "created_at": 1_700_000_000 + i,
            "in_stock": bool(i % 4),
        }
        docs.append(search_engine.to_whoosh(spec, i + 1, doc))
    return docs


def _segment_files(path: str) -> dict[str, bytes]:
    """{file name without the segment's random name: content} of an index with one segment."""
    ix = whoosh_index.open_dir(path)
    [segment] = ix._segments()
    ix.close()
    named = [name for name in os.listdir(path) if segment.segment_id() in name]
    return {name.split(".", 1)[1]: Path(path, name).read_bytes() for name in named}


def test_the_bulk_writer_writes_the_same_segment_as_whoosh(app, tmp_path, monkeypatch):
    # small cache limits, so that full caches and fields that stop being cached are covered too
    monkeypatch.setattr(bulk, "CACHE_LIMIT", 40)
    monkeypatch.setattr(bulk, "CACHE_PROBE", 100)
    spec = get_spec("products")
    docs = _documents(700)
    written = {}
    for label, writer_class in (("whoosh", SegmentWriter), ("bulk", bulk.BulkSegmentWriter)):
        path = tmp_path / label
        path.mkdir()
        ix = whoosh_index.create_in(str(path), search_engine.build_schema(spec))
        names = set(ix.schema.names())
        writer = writer_class(ix, **search_engine.WRITER_OPTIONS)
        for doc in docs:
            writer.add_document(**{k: v for k, v in doc.items() if k in names})
        if label == "bulk":
            stats = writer.cache_stats()
        writer.commit()
        written[label] = _segment_files(str(path))

    assert set(written["bulk"]) == set(written["whoosh"]) and len(written["bulk"]) > 10
    for name, content in written["whoosh"].items():
        assert written["bulk"][name] == content, f"{name} differs"
    # the repeated values were analysed once; the id (never repeated) stopped being cached
    assert stats["county"][1] >= 690 and stats["id"][1] == 0


def test_the_bulk_writer_refuses_what_it_does_not_write(app, tmp_path):
    spec = get_spec("products")
    ix = whoosh_index.create_in(str(tmp_path), search_engine.build_schema(spec))
    writer = bulk.BulkSegmentWriter(ix, **search_engine.WRITER_OPTIONS)
    with pytest.raises(ValueError):
        writer.add_document(id="1", _boost=2.0)
    with pytest.raises(TypeError, match="does not merge segments"):
        writer.add_reader(None)
    writer.cancel()
