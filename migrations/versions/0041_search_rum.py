"""Search documents gain a static rank and an index on a hash bucket of their id (the facet sample), and on PostgreSQL with the rum extension available a RUM
index of the terms carrying it: the top of a ranking tier is then read from the index in order,
without visiting every match (search.postgres.query, docs/performance.md). Without the extension
(or without the right to create it) nothing more is done and searches use the GIN index as before.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# The same numbers as search.postgres.documents.static_rank (a migration does not import the app).
RANK_IDS = 10**12
RUM_INDEX = "ix_search_documents_terms_rum"


def upgrade():
    op.add_column("search_documents", sa.Column("static_rank", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                                nullable=False, server_default="0"))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"UPDATE search_documents SET static_rank = GREATEST(length, 0)::bigint * {RANK_IDS} "
               f"+ ({RANK_IDS - 1} - LEAST(GREATEST(oid, 0), {RANK_IDS - 1}))")
    op.execute("CREATE INDEX IF NOT EXISTS ix_search_documents_bucket ON search_documents "
               "(index_name, (hashint8(oid) & 1023))")
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")).scalar():
        log.warning("search: the rum extension is not installed on the database server (Debian: postgresql-15-rum); "
                    "postgres searches use the GIN index (slower on words matching thousands of documents)")
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS rum"))
    except sa.exc.DBAPIError as error:  # not allowed to create extensions: an administrator can, later
        log.warning("search: CREATE EXTENSION rum failed (%s); postgres searches use the GIN index", error.orig)
        return
    bind.execute(sa.text(
        f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON search_documents USING rum (terms rum_tsvector_addon_ops, static_rank) "
        f"WITH (attach = 'static_rank', to = 'terms', order_by_attach = 't') WHERE static_rank >= 0"))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {RUM_INDEX}")
        op.execute("DROP INDEX IF EXISTS ix_search_documents_bucket")
    with op.batch_alter_table("search_documents") as batch:
        batch.drop_column("static_rank")
