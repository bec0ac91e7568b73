"""The search tables: the change queue (whoosh backend) and the documents (postgres backend)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import UNMANAGED_INDEXES, Base, utcnow

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class SearchQueue(Base):
    """One pending re-index of one object for one node (a machine's own whoosh index); applied
    after commit by whoever gets that index's writer, and deleted by it.

    A change is queued once for every node (search.queue), so each machine's index receives every
    change and no machine deletes a row another still needs. Rows are deleted only after the index
    commit that covers them, so a crash between the two re-indexes the object again rather than
    losing the change.
    """

    __tablename__ = "search_queue"
    __table_args__ = (sa.Index("ix_search_queue_node_index_name_id", "node", "index_name", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    #: The node whose index this change is for (search_nodes.node).
    node: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    #: The registered index (search.register_index), e.g. "products".
    index_name: Mapped[str] = mapped_column(sa.String(40))
    #: The object's id as text (indexes may key on non-integer ids).
    object_id: Mapped[str] = mapped_column(sa.String(64))
    enqueued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SearchNode(Base):
    """A machine with its own whoosh index (its SEARCH_INDEX_DIR): every change is queued for it."""

    __tablename__ = "search_nodes"

    #: Generated once per index folder (SEARCH_INDEX_DIR/node-id), or SEARCH_NODE.
    node: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: Where it runs (host name and index folder), for the operator.
    label: Mapped[str] = mapped_column(sa.String(300), default="")
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Last time one of its processes drained or searched (a node unseen past the expiry is dropped).
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SearchDocument(Base):
    """One document of one index, for SEARCH_BACKEND=postgres (search.postgres.documents)."""

    __tablename__ = "search_documents"
    __table_args__ = (
        sa.Index("ix_search_documents_terms", "terms", postgresql_using="gin"),
        sa.Index("ix_search_documents_keys", "keys", postgresql_using="gin"),
        sa.Index("ix_search_documents_index_name_newest", "index_name", "newest", "oid"),
    )

    index_name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    object_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: The object id as a number (ties are broken by it, newest first); 0 when not a number.
    oid: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), default=0)
    #: Length of the first highlighted field (the title): a shorter title wins a tie.
    length: Mapped[int] = mapped_column(default=0)
    #: The order of equally scored documents as one number, smallest first: the title's length, then
    #: the newer id (search.postgres.documents.static_rank); what the RUM index keeps with each posting.
    static_rank: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), default=0,
                                             server_default="0")
    #: The first date field as seconds (the "newest" sort).
    newest: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), default=0)
    #: The analysed terms, weighted by field (A-D); a plain text column on SQLite, where it is unused.
    terms: Mapped[str] = mapped_column(postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"))
    #: Keyword and bool values as "field=value" (filters and facet counts).
    keys: Mapped[list] = mapped_column(postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite"))
    #: Numeric and date fields: {"price_cents": 1200, "created_at": 1700000000}.
    numbers: Mapped[dict] = mapped_column(_JSON)
    #: Highlighted fields and their words' pinyin.
    stored: Mapped[dict] = mapped_column(_JSON)
    #: Fingerprint of the row's content (search check).
    signature: Mapped[str] = mapped_column(sa.String(32))


#: PostgreSQL keeps the terms uncompressed in the row (up to 8 KB): a search tests each match's tsvector
#: once per ranking part, and a compressed one is decompressed for every test (docs/performance.md,
#: "Search backends"). The migration (0015) sets the same.
TERMS_STORAGE = ("ALTER TABLE search_documents ALTER COLUMN terms SET STORAGE EXTERNAL",
                 "ALTER TABLE search_documents SET (toast_tuple_target = 8160)")
#: The facet sample's index: documents by a hash bucket of their object id (search.postgres.query.BUCKET),
#: so a sample of a query's matches is a BitmapAnd of two indexes, visiting only the sampled rows.
BUCKET_INDEX = ("CREATE INDEX IF NOT EXISTS ix_search_documents_bucket ON search_documents "
                "(index_name, (hashint8(oid) & 1023))")
for _statement in (*TERMS_STORAGE, BUCKET_INDEX):
    sa.event.listen(SearchDocument.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql"))


#: A RUM index (the rum extension, Debian's postgresql-15-rum) of the terms with each document's static
#: rank attached to its postings, in rank order: the best tier of a ranking is read from it in order
#: (search.postgres.query.tier_statement). Created where the extension can be (migration 0041, or
#: create_all); without it searches use the GIN index above, with the same results. It is partial on a
#: condition only the tier statement states (every row meets it): the other statements' bitmap scans keep
#: to the GIN index, which reads a long posting list faster (docs/performance.md).
RUM_INDEX = "ix_search_documents_terms_rum"
RUM_DDL = (f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON search_documents USING rum "
           f"(terms rum_tsvector_addon_ops, static_rank) "
           f"WITH (attach = 'static_rank', to = 'terms', order_by_attach = 't') WHERE static_rank >= 0")


def create_rum_index(connection) -> bool:
    """Create the rum extension and the RUM index when the server has the extension; False when not
    (not installed, or not allowed to create it): nothing is changed then."""
    if connection.dialect.name != "postgresql":
        return False
    if not connection.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).scalar():
        return False
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS rum"))
    except sa.exc.DBAPIError:
        return False
    connection.execute(sa.text(RUM_DDL))
    return True


sa.event.listen(SearchDocument.__table__, "after_create",
                lambda _table, connection, **_kw: create_rum_index(connection))
UNMANAGED_INDEXES.update({"ix_search_documents_bucket", RUM_INDEX})


class SearchWord(Base):
    """A Chinese word of an index's main fields, for SEARCH_BACKEND=postgres: pinyin typed by a
    buyer is read as these words (search.analysis.vocabulary). Added as documents are written;
    ``documents`` (how many have it) is exact after a rebuild and 1 for a word first seen since."""

    __tablename__ = "search_words"
    __table_args__ = (sa.UniqueConstraint("index_name", "word"),
                      sa.Index("ix_search_words_index_name_id", "index_name", "id"))

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    index_name: Mapped[str] = mapped_column(sa.String(40))
    word: Mapped[str] = mapped_column(sa.String(40))
    documents: Mapped[int] = mapped_column(default=1)
