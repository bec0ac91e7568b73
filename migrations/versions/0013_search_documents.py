"""Search: the queue per node (search_nodes, search_queue.node) and search_documents (postgres backend)

Revision ID: 0013
Revises: 0012
Create Date: 2027-01-10
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table('search_nodes',
    sa.Column('node', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('node', name=op.f('pk_search_nodes'))
    )
    # rows queued before this revision belong to no node: every node's next check --fix covers them
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('node', sa.String(length=64), server_default='', nullable=False))
        batch_op.drop_index('ix_search_queue_index_name_id')
        batch_op.create_index('ix_search_queue_node_index_name_id', ['node', 'index_name', 'id'], unique=False)

    pg = _postgres()
    json = postgresql.JSONB() if pg else sa.JSON()
    op.create_table('search_documents',
    sa.Column('index_name', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('oid', sa.BigInteger() if pg else sa.Integer(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('newest', sa.BigInteger() if pg else sa.Integer(), nullable=False),
    sa.Column('terms', postgresql.TSVECTOR() if pg else sa.Text(), nullable=False),
    sa.Column('keys', postgresql.ARRAY(sa.Text()) if pg else sa.JSON(), nullable=False),
    sa.Column('numbers', json, nullable=False),
    sa.Column('stored', json, nullable=False),
    sa.Column('signature', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('index_name', 'object_id', name=op.f('pk_search_documents'))
    )
    gin = {"postgresql_using": "gin"} if pg else {}
    op.create_index('ix_search_documents_terms', 'search_documents', ['terms'], unique=False, **gin)
    op.create_index('ix_search_documents_keys', 'search_documents', ['keys'], unique=False, **gin)
    op.create_index('ix_search_documents_index_name_newest', 'search_documents', ['index_name', 'newest', 'oid'],
                    unique=False)


def downgrade():
    op.drop_index('ix_search_documents_index_name_newest', table_name='search_documents')
    op.drop_index('ix_search_documents_keys', table_name='search_documents')
    op.drop_index('ix_search_documents_terms', table_name='search_documents')
    op.drop_table('search_documents')
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_search_queue_node_index_name_id')
        batch_op.create_index('ix_search_queue_index_name_id', ['index_name', 'id'], unique=False)
        batch_op.drop_column('node')
    op.drop_table('search_nodes')
