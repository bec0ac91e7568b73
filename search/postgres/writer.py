"""Writing ``search_documents``: in the changing transaction itself, and for rebuild and check.

A changed object's document is re-read and written by the transaction that changed it, just before
it commits (PostgresBackend.committing): the row commits or rolls back with the change, so every
machine sees it at once and nothing can drift. Two transactions may touch the same document (a
product edited while its shop is renamed): each takes a transaction-level advisory lock per
document first (in one global order, so they cannot deadlock) and only then reads the database,
so the later one waits for the earlier to commit and reads what it committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from marketplace.db import atomic
from marketplace.extensions import db
from search.checking import chunks, compare
from search.models import SearchDocument, SearchWord
from search.postgres.documents import to_row, words
from search.spec import CheckReport, IndexSpec, get_spec

#: pg_advisory_xact_lock's first key: the search documents' lock space
LOCK_SPACE = 0x5EA4C4
BATCH = 500

_COLUMNS = ("oid", "length", "static_rank", "newest", "terms", "keys", "numbers", "stored", "signature")


def lock_documents(connection, name: str, keys: Iterable[str]) -> None:
    """Lock each document until the transaction ends (a second writer of the same one waits)."""
    keys = sorted(set(keys))
    if keys:
        connection.execute(sa.text(
            "SELECT pg_advisory_xact_lock(CAST(:space AS integer), h) FROM (SELECT DISTINCT hashtext(:name || ':' || k) AS h "
            "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS locks"),
            {"space": LOCK_SPACE, "name": name, "keys": keys})


def upsert(connection, rows: list[dict]) -> None:
    if not rows:
        return
    stmt = insert(SearchDocument.__table__).values([
        {**row, "terms": sa.cast(row["terms"], SearchDocument.terms.type)} for row in rows])
    stmt = stmt.on_conflict_do_update(index_elements=["index_name", "object_id"],
                                      set_={c: stmt.excluded[c] for c in _COLUMNS})
    connection.execute(stmt)


def add_words(connection, name: str, found: Iterable[str]) -> None:
    """Add the words no document of ``name`` had before (in one sorted order: two writers adding the
    same new words wait for each other instead of deadlocking)."""
    found = sorted(set(found))
    if found:
        stmt = insert(SearchWord.__table__).values([{"index_name": name, "word": w, "documents": 1} for w in found])
        connection.execute(stmt.on_conflict_do_nothing(index_elements=["index_name", "word"]))


def count_words(connection, name: str, counts: dict[str, int]) -> None:
    """Set every word's document count (a rebuild's exact figures) and drop the words no document has."""
    table = SearchWord.__table__
    for chunk in chunks(sorted(counts), BATCH * 4):
        stmt = insert(table).values([{"index_name": name, "word": w, "documents": counts[w]} for w in chunk])
        connection.execute(stmt.on_conflict_do_update(index_elements=["index_name", "word"],
                                                      set_={"documents": stmt.excluded.documents}))
    stale = [w for w in connection.execute(sa.select(table.c.word).where(table.c.index_name == name)).scalars()
             if w not in counts]
    for chunk in chunks(stale, BATCH * 4):
        connection.execute(sa.delete(table).where(table.c.index_name == name, table.c.word.in_(chunk)))


def remove(connection, name: str, keys: list[str]) -> None:
    if keys:
        table = SearchDocument.__table__
        connection.execute(sa.delete(table).where(table.c.index_name == name, table.c.object_id.in_(keys)))


def write_documents(session: Session, spec: IndexSpec, keys: Iterable[str]) -> list[set[str]]:
    """Re-read the documents of ``keys`` and write them (or remove those that are gone), in the
    session's transaction. The documents are read through ``db.session``, which is ``session``.
    Returns the words of each document written."""
    keys = sorted({str(k) for k in keys})
    if not keys:
        return []
    connection = session.connection()
    lock_documents(connection, spec.name, keys)
    # Read afresh, after the lock: objects this session loaded before may have been changed by the
    # transaction we just waited for (its own changes are flushed; a commit expires them anyway).
    session.expire_all()
    docs = {str(key): doc for key, doc in spec.load_documents([spec.id_type(k) for k in keys])}
    written = [key for key in keys if docs.get(key) is not None]
    upsert(connection, [to_row(spec, key, docs[key]) for key in written])
    remove(connection, spec.name, [key for key in keys if docs.get(key) is None])
    found = [words(spec, docs[key]) for key in written]
    add_words(connection, spec.name, set().union(*found))
    return found


def indexed(name: str) -> dict[str, str]:
    """{object id: signature} of every document of index ``name``."""
    table = SearchDocument.__table__
    rows = db.session.execute(sa.select(table.c.object_id, table.c.signature).where(table.c.index_name == name))
    out = dict(rows.all())
    db.session.rollback()
    return out


def rebuild(name: str, progress: Callable[[int], None] | None = None) -> int:
    """Write every document of ``name`` anew, a batch per transaction (searches and writers carry on:
    each batch locks its documents like any writer), then remove documents of objects that are gone.
    Returns how many documents the index holds."""
    spec = get_spec(name)
    ids = [str(i) for i in spec.all_ids()]
    db.session.rollback()
    counts: dict[str, int] = {}
    for chunk in chunks(ids, BATCH):
        with atomic():
            for found in write_documents(db.session(), spec, chunk):
                for word in found:
                    counts[word] = counts.get(word, 0) + 1
        if progress:
            progress(len(chunk))
    with atomic():
        count_words(db.session.connection(), name, counts)
    extra = sorted(set(indexed(name)) - set(ids))
    for chunk in chunks(extra, BATCH):  # re-read under the lock: one may have been published meanwhile
        with atomic():
            write_documents(db.session(), spec, chunk)
    return len(indexed(name))


def check(name: str, fix: bool = False, progress: Callable[[int], None] | None = None) -> CheckReport:
    """Compare the documents with the database: missing, stale (different content) and extra ones.
    They differ only when the database was changed behind the ORM's back (raw SQL, a restore)."""
    spec = get_spec(name)
    report = compare(spec, indexed(name), lambda key, doc: to_row(spec, key, doc)["signature"], progress)
    if fix and not report.ok:
        keys = [str(i) for i in (*report.missing, *report.stale, *report.extra)]
        for chunk in chunks(keys):
            with atomic():
                write_documents(db.session(), spec, chunk)
        report.fixed = True
    return report
