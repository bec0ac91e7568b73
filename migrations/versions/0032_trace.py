"""Traceability (trace/): production batches, their farm inputs and tests, parent links of repacked
batches, allocations of shipped order lines to batches, 承诺达标合格证 certificates, batch status
history; and the categories' requires_certificate flag (existing categories: off).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trace_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('produced', 'repacked', name='batchsource', native_enum=False, length=10), nullable=False),
    sa.Column('status', sa.Enum('active', 'recalled', name='batchstatus', native_enum=False, length=10), nullable=False),
    sa.Column('produced_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('plot', sa.String(length=120), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_trace_batches_quantity_positive')),
    sa.CheckConstraint('remaining <= quantity', name=op.f('ck_trace_batches_remaining_at_most_quantity')),
    sa.CheckConstraint('remaining >= 0', name=op.f('ck_trace_batches_remaining_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trace_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_trace_batches_region_id_regions')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_trace_batches_shop_id_shops')),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_trace_batches_variant_id_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_batches')),
    sa.UniqueConstraint('code', name=op.f('uq_trace_batches_code')),
    sa.UniqueConstraint('shop_id', 'sequence', name=op.f('uq_trace_batches_shop_id_sequence'))
    )
    with op.batch_alter_table('trace_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_batches_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_batches_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_batches_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_batches_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_batches_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_batches_variant_id'), ['variant_id'], unique=False)

    op.create_table('trace_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_trace_allocations_quantity_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_allocations_batch_id_trace_batches')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_trace_allocations_buyer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_trace_allocations_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_trace_allocations_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_allocations')),
    sa.UniqueConstraint('order_line_id', 'batch_id', name=op.f('uq_trace_allocations_order_line_id_batch_id'))
    )
    with op.batch_alter_table('trace_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_allocations_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_allocations_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_allocations_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_allocations_order_line_id'), ['order_line_id'], unique=False)

    op.create_table('trace_batch_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('active', 'recalled', name='batchstatus', native_enum=False, length=10), nullable=True),
    sa.Column('to_status', sa.Enum('active', 'recalled', name='batchstatus', native_enum=False, length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_trace_batch_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_batch_changes_batch_id_trace_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_batch_changes'))
    )
    with op.batch_alter_table('trace_batch_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_batch_changes_batch_id'), ['batch_id'], unique=False)

    op.create_table('trace_batch_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=False),
    sa.Column('safe_interval_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('safe_interval_days >= 0', name=op.f('ck_trace_batch_inputs_interval_not_negative')),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_batch_inputs_batch_id_trace_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_batch_inputs'))
    )
    with op.batch_alter_table('trace_batch_inputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_batch_inputs_batch_id'), ['batch_id'], unique=False)

    op.create_table('trace_batch_parents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_trace_batch_parents_quantity_positive')),
    sa.ForeignKeyConstraint(['child_id'], ['trace_batches.id'], name=op.f('fk_trace_batch_parents_child_id_trace_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['trace_batches.id'], name=op.f('fk_trace_batch_parents_parent_id_trace_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_batch_parents')),
    sa.UniqueConstraint('child_id', 'parent_id', name=op.f('uq_trace_batch_parents_child_id_parent_id'))
    )
    with op.batch_alter_table('trace_batch_parents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_batch_parents_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_batch_parents_parent_id'), ['parent_id'], unique=False)

    op.create_table('trace_batch_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('self', 'commissioned', name='testkind', native_enum=False), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('result', sa.String(length=200), nullable=False),
    sa.Column('tested_on', sa.Date(), nullable=False),
    sa.Column('tester', sa.String(length=80), nullable=False),
    sa.Column('attachment_key', sa.String(length=200), nullable=True),
    sa.Column('attachment_kind', sa.Enum('image', 'pdf', name='attachmentkind', native_enum=False, length=8), nullable=True),
    sa.Column('attachment_name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_batch_tests_batch_id_trace_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_batch_tests'))
    )
    with op.batch_alter_table('trace_batch_tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_batch_tests_batch_id'), ['batch_id'], unique=False)

    op.create_table('trace_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('product_name', sa.String(length=120), nullable=False),
    sa.Column('quantity_text', sa.String(length=40), nullable=False),
    sa.Column('issuer_name', sa.String(length=80), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('commitments', sa.JSON(), nullable=False),
    sa.Column('test_summary', sa.String(length=200), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_trace_certificates_batch_id_trace_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_trace_certificates_issued_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_certificates')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_trace_certificates_batch_id'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_certificate', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('requires_certificate')

    op.drop_table('trace_certificates')
    with op.batch_alter_table('trace_batch_tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_batch_tests_batch_id'))

    op.drop_table('trace_batch_tests')
    with op.batch_alter_table('trace_batch_parents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_batch_parents_parent_id'))
        batch_op.drop_index(batch_op.f('ix_trace_batch_parents_child_id'))

    op.drop_table('trace_batch_parents')
    with op.batch_alter_table('trace_batch_inputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_batch_inputs_batch_id'))

    op.drop_table('trace_batch_inputs')
    with op.batch_alter_table('trace_batch_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_batch_changes_batch_id'))

    op.drop_table('trace_batch_changes')
    with op.batch_alter_table('trace_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_allocations_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_trace_allocations_order_id'))
        batch_op.drop_index(batch_op.f('ix_trace_allocations_buyer_id'))
        batch_op.drop_index(batch_op.f('ix_trace_allocations_batch_id'))

    op.drop_table('trace_allocations')
    with op.batch_alter_table('trace_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_batches_variant_id'))
        batch_op.drop_index(batch_op.f('ix_trace_batches_status'))
        batch_op.drop_index(batch_op.f('ix_trace_batches_shop_id'))
        batch_op.drop_index(batch_op.f('ix_trace_batches_region_id'))
        batch_op.drop_index(batch_op.f('ix_trace_batches_expires_on'))
        batch_op.drop_index(batch_op.f('ix_trace_batches_created_at'))

    op.drop_table('trace_batches')
