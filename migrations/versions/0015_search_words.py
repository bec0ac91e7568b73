"""Search: search_words, the words of each index for reading pinyin (postgres backend), the terms
of search_documents kept uncompressed in the row (PostgreSQL), and the synonym groups added to the
shipped set since 0014

Revision ID: 0015
Revises: 0014
Create Date: 2027-01-24
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: Groups added to search.analysis.synonyms.DEFAULT_GROUPS after 0014 (words, one_way), inserted
#: unless the table already has the same group (an administrator may have added it by hand).
ADDED = [
    ('大蒜, 独头蒜, 紫皮蒜, 白皮蒜, 蒜米, 蒜瓣, 湿蒜, 干蒜', True),
    ('电解铝, 铝锭, 原铝', True),
    ('复合肥, 复混肥, 掺混肥', True),
    ('卷尺, 皮尺', True),
    ('干辣椒, 干椒', False),
    ('朝天椒, 艳椒, 子弹头', True),
    ('干红葡萄酒, 干红', False),
    ('生姜, 干姜, 姜片', True),
    ('大葱, 葱', True),
    ('韭菜, 韭黄', True),
    ('猪肉, 后腿肉, 前腿肉, 五花肉, 排骨, 里脊, 猪蹄', True),
    ('牛肉, 牛腩, 牛腱, 牛排', True),
    ('羊肉, 羊排, 羊肉卷, 羊腿', True),
]


def upgrade():
    op.create_table('search_words',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
    sa.Column('index_name', sa.String(length=40), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_words')),
    sa.UniqueConstraint('index_name', 'word', name=op.f('uq_search_words_index_name_word'))
    )
    op.create_index('ix_search_words_index_name_id', 'search_words', ['index_name', 'id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # each ranking part tests the tsvector again, and a compressed one is decompressed each time
        # (search.models.TERMS_STORAGE); rows written from now on (search rebuild) are stored so
        op.execute("ALTER TABLE search_documents ALTER COLUMN terms SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 8160)")
    synonyms = sa.table('search_synonyms', sa.column('terms', sa.String), sa.column('one_way', sa.Boolean),
                        sa.column('updated_at', sa.DateTime(timezone=True)))
    bind = op.get_bind()
    have = {(terms, one_way) for terms, one_way in bind.execute(sa.select(synonyms.c.terms, synonyms.c.one_way))}
    now = dt.datetime.now(dt.UTC)
    rows = [{"terms": t, "one_way": w, "updated_at": now} for t, w in ADDED if (t, w) not in have]
    if rows:
        op.bulk_insert(synonyms, rows)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ALTER COLUMN terms SET STORAGE EXTENDED")
        op.execute("ALTER TABLE search_documents RESET (toast_tuple_target)")
    op.drop_index('ix_search_words_index_name_id', table_name='search_words')
    op.drop_table('search_words')
