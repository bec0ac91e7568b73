"""The whoosh index rebuild on an existing database: its time, rate, peak memory, and where the time goes.

    .venv/bin/python bench/search_rebuild.py --database-url postgresql://postgres@127.0.0.1:5432/bench_100k \
        --data-dir /tmp/perf-100k-copy                    # `search rebuild` of every index, timed
    .venv/bin/python bench/search_rebuild.py ... --phases 20000   # one process, the first 20,000 documents,
                                                                  # timed phase by phase (no index swapped in)

The rebuild writes only the search index folder under --data-dir (use a copy of a seeded data
folder). ``--phases N`` splits one process's work on N documents into: reading the rows (the
spec's batch loader), the document's Whoosh form (to_whoosh: pinyin, fingerprint), analysis
(jieba / n-grams / keywords: each field's ``index()``), adding the postings to the writer's pool,
and the commit (sorting the postings and writing the segment), with each phase's share.
Peak RSS is this process's and its children's (ru_maxrss). Nothing here is part of the test run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its waited-for children so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def rebuild_all(app, only: str | None = None) -> None:
    from search import registered
    from search.backend import current_backend

    for name, spec in registered().items():
        if only and name != only:
            continue
        total = len(list(spec.all_ids()))
        from marketplace.extensions import db

        db.session.rollback()
        shown = [0, time.perf_counter()]

        def progress(n, total=total, shown=shown, name=name):
            shown[0] += n
            if time.perf_counter() - shown[1] > 5 or shown[0] >= total:
                shown[1] = time.perf_counter()
                print(f"    {name}: {shown[0]}/{total}", flush=True)

        load = os.getloadavg()[0]
        t0, cpu0 = time.perf_counter(), _cpu()
        count = current_backend().rebuild(name, progress=progress)
        elapsed, cpu = time.perf_counter() - t0, _cpu() - cpu0
        own, children = _rss_mb()
        print(f"{name}: {count} documents in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f}/s), "
              f"{cpu:.1f} CPU seconds in all processes; load average {load:.2f} at start, "
              f"{os.getloadavg()[0]:.2f} at the end; peak RSS: this process {own:.0f} MB, "
              f"largest child {children:.0f} MB", flush=True)


def phases(app, n: int, batch: int) -> None:
    """One process, the first ``n`` documents of "products", each step timed on its own."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from marketplace.extensions import db
    from search import get_spec
    from search.checking import chunks
    from search.whoosh import engine

    spec = get_spec("products")
    ids = list(spec.all_ids())[:n]
    db.session.rollback()
    out = {}
    t0 = time.perf_counter()
    pairs = []
    for chunk in chunks(ids, batch):
        pairs += [(i, d) for i, d in spec.load_documents(chunk) if d is not None]
        db.session.rollback()
    out["read rows (load_documents)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    forms = [engine.to_whoosh(spec, key, doc) for key, doc in pairs]
    out["to_whoosh (pinyin, fingerprint)"] = time.perf_counter() - t0

    tmp = tempfile.mkdtemp(prefix="rebuild-phases-")
    try:
        ix = whoosh_index.create_in(tmp, engine.build_schema(spec))
        schema = ix.schema
        names = set(schema.names())
        forms = [{k: v for k, v in f.items() if k in names} for f in forms]
        t0 = time.perf_counter()
        postings = 0
        for f in forms:
            for fieldname, value in f.items():
                field = schema[fieldname]
                if field.indexed and value is not None:
                    postings += sum(1 for _ in field.index(value))
        out["analysis (each field's index())"] = time.perf_counter() - t0

        writer = SegmentWriter(ix, **engine.WRITER_OPTIONS, **_pool_options())
        t0 = time.perf_counter()
        for f in forms:
            writer.add_document(**f)
        out["add_document (analysis again + pool)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        writer.commit()
        out["commit (sort postings, write segment)"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["pool adds alone (add_document - analysis)"] = (out["add_document (analysis again + pool)"]
                                                        - out["analysis (each field's index())"])
    total = sum(v for k, v in out.items() if not k.startswith(("analysis", "pool adds")))
    print(f"{len(pairs)} documents, {postings} postings ({postings / max(1, len(pairs)):.0f} per document); "
          f"load average {os.getloadavg()[0]:.2f}")
    for label, seconds in out.items():
        print(f"  {label:<45} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    print(f"  {'total (read + to_whoosh + add + commit)':<45} {total:7.2f} s  ({len(pairs) / total:.0f}/s)")
    own, _children = _rss_mb()
    print(f"  peak RSS {own:.0f} MB")


def _pool_options() -> dict:
    return {"limitmb": 128}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True, help="DATA_DIR: the index is written in its search-index/")
    parser.add_argument("--phases", type=int, default=0, help="time the phases of one process on N documents")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--index", default=None, help="only this index (default: every registered one)")
    args = parser.parse_args()

    from marketplace import create_app
    from marketplace.config import normalise_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(args.database_url), "DATA_DIR": args.data_dir,
                      "MEDIA_DIR": os.path.join(args.data_dir, "media"),
                      "SEARCH_INDEX_DIR": os.path.join(args.data_dir, "search-index"),
                      "SECRET_KEY": "bench-" + "x" * 40, "MAIL_SERVER": None, "LOG_LEVEL": "WARNING"})
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()}", flush=True)
    with app.app_context():
        if args.phases:
            phases(app, args.phases, args.batch)
        else:
            rebuild_all(app, args.index)


if __name__ == "__main__":
    main()
