"""Sourcing (求购): requests for quotation (sourcing_requests, their revisions, status history and
invited shops), attachments, and the shops' quotes with their lines and revisions.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sourcing_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('spec', sa.String(length=1000), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('target_price_cents', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('deliver_from', sa.Date(), nullable=True),
    sa.Column('deliver_until', sa.Date(), nullable=True),
    sa.Column('quote_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_quotes', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.Enum('public', 'region', 'invited', name='visibility', native_enum=False, length=10), nullable=False),
    sa.Column('invoice_needed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'awarded', 'closed', 'expired', 'cancelled', name='requeststatus', native_enum=False, length=12), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('quote_count', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('max_quotes > 0', name=op.f('ck_sourcing_requests_max_quotes_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sourcing_requests_quantity_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_sourcing_requests_buyer_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_sourcing_requests_category_id_categories')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_sourcing_requests_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_sourcing_requests_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_requests'))
    )
    with op.batch_alter_table('sourcing_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_requests_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_requests_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_requests_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_requests_quote_deadline'), ['quote_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_requests_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_requests_status'), ['status'], unique=False)

    op.create_table('sourcing_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['sourcing_requests.id'], name=op.f('fk_sourcing_invites_request_id_sourcing_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sourcing_invites_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_invites')),
    sa.UniqueConstraint('request_id', 'shop_id', name=op.f('uq_sourcing_invites_request_id_shop_id'))
    )
    with op.batch_alter_table('sourcing_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_invites_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_invites_shop_id'), ['shop_id'], unique=False)

    op.create_table('sourcing_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'not_chosen', name='quotestatus', native_enum=False, length=12), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('request_revision', sa.Integer(), nullable=False),
    sa.Column('delivery_date', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('freight_cents', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('freight_cents >= 0', name=op.f('ck_sourcing_quotes_freight_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_sourcing_quotes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_sourcing_quotes_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['sourcing_requests.id'], name=op.f('fk_sourcing_quotes_request_id_sourcing_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sourcing_quotes_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_quotes')),
    sa.UniqueConstraint('request_id', 'shop_id', name=op.f('uq_sourcing_quotes_request_id_shop_id'))
    )
    with op.batch_alter_table('sourcing_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_quotes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_quotes_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_quotes_shop_id'), ['shop_id'], unique=False)

    op.create_table('sourcing_request_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'open', 'awarded', 'closed', 'expired', 'cancelled', name='requeststatus', native_enum=False, length=12), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'open', 'awarded', 'closed', 'expired', 'cancelled', name='requeststatus', native_enum=False, length=12), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_sourcing_request_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['sourcing_requests.id'], name=op.f('fk_sourcing_request_changes_request_id_sourcing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_request_changes'))
    )
    with op.batch_alter_table('sourcing_request_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_request_changes_request_id'), ['request_id'], unique=False)

    op.create_table('sourcing_request_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_sourcing_request_revisions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['sourcing_requests.id'], name=op.f('fk_sourcing_request_revisions_request_id_sourcing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_request_revisions')),
    sa.UniqueConstraint('request_id', 'number', name=op.f('uq_sourcing_request_revisions_request_id_number'))
    )
    with op.batch_alter_table('sourcing_request_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_request_revisions_request_id'), ['request_id'], unique=False)

    op.create_table('sourcing_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('image', 'pdf', name='attachmentkind', native_enum=False, length=8), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['sourcing_quotes.id'], name=op.f('fk_sourcing_attachments_quote_id_sourcing_quotes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['sourcing_requests.id'], name=op.f('fk_sourcing_attachments_request_id_sourcing_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_sourcing_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_attachments'))
    )
    with op.batch_alter_table('sourcing_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_attachments_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_attachments_request_id'), ['request_id'], unique=False)

    op.create_table('sourcing_quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('line_total_cents', sa.Integer(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sourcing_quote_lines_quantity_positive')),
    sa.CheckConstraint('unit_price_cents > 0', name=op.f('ck_sourcing_quote_lines_unit_price_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sourcing_quote_lines_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['sourcing_quotes.id'], name=op.f('fk_sourcing_quote_lines_quote_id_sourcing_quotes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_sourcing_quote_lines_variant_id_variants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_quote_lines'))
    )
    with op.batch_alter_table('sourcing_quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_quote_lines_quote_id'), ['quote_id'], unique=False)

    op.create_table('sourcing_quote_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['sourcing_quotes.id'], name=op.f('fk_sourcing_quote_revisions_quote_id_sourcing_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_quote_revisions')),
    sa.UniqueConstraint('quote_id', 'number', name=op.f('uq_sourcing_quote_revisions_quote_id_number'))
    )
    with op.batch_alter_table('sourcing_quote_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_quote_revisions_quote_id'), ['quote_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sourcing_quote_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_quote_revisions_quote_id'))

    op.drop_table('sourcing_quote_revisions')
    with op.batch_alter_table('sourcing_quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_quote_lines_quote_id'))

    op.drop_table('sourcing_quote_lines')
    with op.batch_alter_table('sourcing_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_attachments_request_id'))
        batch_op.drop_index(batch_op.f('ix_sourcing_attachments_quote_id'))

    op.drop_table('sourcing_attachments')
    with op.batch_alter_table('sourcing_request_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_request_revisions_request_id'))

    op.drop_table('sourcing_request_revisions')
    with op.batch_alter_table('sourcing_request_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_request_changes_request_id'))

    op.drop_table('sourcing_request_changes')
    with op.batch_alter_table('sourcing_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_quotes_shop_id'))
        batch_op.drop_index(batch_op.f('ix_sourcing_quotes_request_id'))
        batch_op.drop_index(batch_op.f('ix_sourcing_quotes_created_at'))

    op.drop_table('sourcing_quotes')
    with op.batch_alter_table('sourcing_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_invites_shop_id'))
        batch_op.drop_index(batch_op.f('ix_sourcing_invites_request_id'))

    op.drop_table('sourcing_invites')
    with op.batch_alter_table('sourcing_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_status'))
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_region_id'))
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_quote_deadline'))
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_created_at'))
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_category_id'))
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_buyer_id'))

    op.drop_table('sourcing_requests')
