"""Licensed categories: shops' operating licences (农药经营许可证, 种子生产经营许可证, ...) with
their review history, and the licence types each category requires; recalls of trace batches (the
batches each took off sale, one notice per buyer with his acknowledgement, the status history).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category_licence_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('licence_type', sa.Enum('pesticide', 'seed', 'veterinary_drug', 'food_business', name='licencetype', native_enum=False, length=30), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_licence_types_category_id_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_licence_types')),
    sa.UniqueConstraint('category_id', 'licence_type', name=op.f('uq_category_licence_types_category_id_licence_type'))
    )
    with op.batch_alter_table('category_licence_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_licence_types_category_id'), ['category_id'], unique=False)

    op.create_table('shop_licences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('licence_type', sa.Enum('pesticide', 'seed', 'veterinary_drug', 'food_business', name='licencetype', native_enum=False, length=30), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('scan_key', sa.String(length=200), nullable=False),
    sa.Column('scan_kind', sa.Enum('image', 'pdf', name='scankind', native_enum=False, length=10), nullable=False),
    sa.Column('status', sa.Enum('pending', 'verified', 'rejected', 'expired', 'revoked', name='licencestatus', native_enum=False, length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expiry_warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_on >= issued_on', name=op.f('ck_shop_licences_dates')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_licences_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_shop_licences_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_licences'))
    )
    with op.batch_alter_table('shop_licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_licences_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_licences_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shop_licences_status'), ['status'], unique=False)

    op.create_table('shop_licence_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('pending', 'verified', 'rejected', 'expired', 'revoked', name='licencestatus', native_enum=False, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('pending', 'verified', 'rejected', 'expired', 'revoked', name='licencestatus', native_enum=False, length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_shop_licence_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['licence_id'], ['shop_licences.id'], name=op.f('fk_shop_licence_changes_licence_id_shop_licences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_licence_changes'))
    )
    with op.batch_alter_table('shop_licence_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shop_licence_changes_licence_id'), ['licence_id'], unique=False)

    op.create_table('trace_recalls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='recallstatus', native_enum=False, length=10), nullable=False),
    sa.Column('initiated_by_id', sa.Integer(), nullable=True),
    sa.Column('by_regulator', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_recalls_batch_id_trace_batches')),
    sa.ForeignKeyConstraint(['initiated_by_id'], ['users.id'], name=op.f('fk_trace_recalls_initiated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_trace_recalls_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_recalls')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_trace_recalls_batch_id'))
    )
    with op.batch_alter_table('trace_recalls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_recalls_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_recalls_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_recalls_status'), ['status'], unique=False)

    op.create_table('trace_recall_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('withdrawn', sa.Integer(), nullable=False),
    sa.Column('stock_removed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_recall_batches_batch_id_trace_batches')),
    sa.ForeignKeyConstraint(['recall_id'], ['trace_recalls.id'], name=op.f('fk_trace_recall_batches_recall_id_trace_recalls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_recall_batches')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_trace_recall_batches_batch_id'))
    )
    with op.batch_alter_table('trace_recall_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_recall_batches_recall_id'), ['recall_id'], unique=False)

    op.create_table('trace_recall_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('open', 'closed', name='recallstatus', native_enum=False, length=10), nullable=True),
    sa.Column('to_status', sa.Enum('open', 'closed', name='recallstatus', native_enum=False, length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_trace_recall_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recall_id'], ['trace_recalls.id'], name=op.f('fk_trace_recall_changes_recall_id_trace_recalls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_recall_changes'))
    )
    with op.batch_alter_table('trace_recall_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_recall_changes_recall_id'), ['recall_id'], unique=False)

    op.create_table('trace_recall_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_trace_recall_notices_buyer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recall_id'], ['trace_recalls.id'], name=op.f('fk_trace_recall_notices_recall_id_trace_recalls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_recall_notices')),
    sa.UniqueConstraint('recall_id', 'buyer_id', name=op.f('uq_trace_recall_notices_recall_id_buyer_id'))
    )
    with op.batch_alter_table('trace_recall_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_recall_notices_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_recall_notices_recall_id'), ['recall_id'], unique=False)


def downgrade():
    with op.batch_alter_table('trace_recall_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_recall_notices_recall_id'))
        batch_op.drop_index(batch_op.f('ix_trace_recall_notices_buyer_id'))

    op.drop_table('trace_recall_notices')
    with op.batch_alter_table('trace_recall_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_recall_changes_recall_id'))

    op.drop_table('trace_recall_changes')
    with op.batch_alter_table('trace_recall_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_recall_batches_recall_id'))

    op.drop_table('trace_recall_batches')
    with op.batch_alter_table('trace_recalls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_recalls_status'))
        batch_op.drop_index(batch_op.f('ix_trace_recalls_shop_id'))
        batch_op.drop_index(batch_op.f('ix_trace_recalls_created_at'))

    op.drop_table('trace_recalls')
    with op.batch_alter_table('shop_licence_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_licence_changes_licence_id'))

    op.drop_table('shop_licence_changes')
    with op.batch_alter_table('shop_licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shop_licences_status'))
        batch_op.drop_index(batch_op.f('ix_shop_licences_shop_id'))
        batch_op.drop_index(batch_op.f('ix_shop_licences_expires_on'))

    op.drop_table('shop_licences')
    with op.batch_alter_table('category_licence_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_licence_types_category_id'))

    op.drop_table('category_licence_types')
