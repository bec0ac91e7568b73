"""Listing moderation: categories.requires_approval, products.moderation_note and
products.approved_category_id, product_reports (buyers' reports of listings). The new product statuses
(pending, rejected, blocked) need no change: statuses are stored as strings.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-20
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_approval', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.alter_column('requires_approval', server_default=None)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation_note', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('approved_category_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_products_approved_category_id_categories'), 'categories',
                                    ['approved_category_id'], ['id'], ondelete='SET NULL')

    op.create_table('product_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('counterfeit', 'prohibited', 'wrong_category', 'misleading', 'other',
                                name='reportreason', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('open', 'dismissed', 'actioned', name='reportstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_reports_product_id_products'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_product_reports_reporter_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_product_reports_resolved_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_reports')),
    sa.UniqueConstraint('product_id', 'reporter_id', 'is_open',
                        name=op.f('uq_product_reports_product_id_reporter_id_is_open'))
    )
    with op.batch_alter_table('product_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_reports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_reports_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_reports_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_reports_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('product_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_reports_status'))
        batch_op.drop_index(batch_op.f('ix_product_reports_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_product_reports_product_id'))
        batch_op.drop_index(batch_op.f('ix_product_reports_created_at'))
    op.drop_table('product_reports')

    # the statuses only moderation gives go back to the nearest the older code knows: off sale
    op.execute("UPDATE products SET status = 'hidden' WHERE status IN ('pending', 'rejected', 'blocked')")
    for column in ("from_status", "to_status"):
        op.execute(f"UPDATE product_status_changes SET {column} = 'hidden' "  # noqa: S608 (two fixed names)
                   f"WHERE {column} IN ('pending', 'rejected', 'blocked')")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_products_approved_category_id_categories'), type_='foreignkey')
        batch_op.drop_column('approved_category_id')
        batch_op.drop_column('moderation_note')

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('requires_approval')
