"""Trade terms: weighed lines (order_lines.weigh_tolerance_bp, line_weighings, shop_terms), invoices
(invoice_titles, invoices), credit terms (business_profiles, credit_lines, statements, credit_charges)

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('business_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company_name', sa.String(length=100), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_business_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_business_profiles_user_id'))
    )
    op.create_table('invoice_titles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('company', 'personal', name='titlekind', native_enum=False, length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invoice_titles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_titles'))
    )
    with op.batch_alter_table('invoice_titles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_titles_user_id'), ['user_id'], unique=False)

    op.create_table('credit_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('limit_cents', sa.Integer(), nullable=False),
    sa.Column('term_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('company_name', sa.String(length=100), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('limit_cents >= 0', name=op.f('ck_credit_lines_limit_not_negative')),
    sa.CheckConstraint('term_days >= 0', name=op.f('ck_credit_lines_term_not_negative')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_credit_lines_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_credit_lines_buyer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_credit_lines_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_lines')),
    sa.UniqueConstraint('shop_id', 'buyer_id', name=op.f('uq_credit_lines_shop_id_buyer_id'))
    )
    with op.batch_alter_table('credit_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_lines_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_lines_shop_id'), ['shop_id'], unique=False)

    op.create_table('shop_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('weigh_tolerance_bp', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_terms_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_terms')),
    sa.UniqueConstraint('shop_id', name=op.f('uq_shop_terms_shop_id'))
    )
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.Enum('open', 'issued', 'overdue', 'paid', name='statementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('reference_code', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_statements_buyer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_statements_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('shop_id', 'buyer_id', 'period', name=op.f('uq_statements_shop_id_buyer_id_period'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_shop_id'), ['shop_id'], unique=False)

    op.create_table('credit_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('credit_line_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credit_line_id'], ['credit_lines.id'], name=op.f('fk_credit_charges_credit_line_id_credit_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_credit_charges_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_credit_charges_statement_id_statements'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_charges')),
    sa.UniqueConstraint('order_id', name=op.f('uq_credit_charges_order_id'))
    )
    with op.batch_alter_table('credit_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_charges_credit_line_id'), ['credit_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_charges_statement_id'), ['statement_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'issued', 'cancelled', name='invoicestatus', native_enum=False, length=20), nullable=False),
    sa.Column('title_kind', sa.Enum('company', 'personal', name='titlekind', native_enum=False, length=10), nullable=False),
    sa.Column('title_name', sa.String(length=100), nullable=False),
    sa.Column('tax_id', sa.String(length=18), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('pdf_key', sa.String(length=200), nullable=True),
    sa.Column('pdf_bytes', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_invoices_buyer_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_invoices_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('order_id', name=op.f('uq_invoices_order_id'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_shop_id'), ['shop_id'], unique=False)

    op.create_table('line_weighings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('ordered_grams', sa.Integer(), nullable=False),
    sa.Column('actual_grams', sa.Integer(), nullable=False),
    sa.Column('tolerance_bp', sa.Integer(), nullable=False),
    sa.Column('difference_cents', sa.Integer(), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('stock_delta', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_line_weighings_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_line_weighings_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_line_weighings_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_weighings')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_line_weighings_order_line_id'))
    )
    with op.batch_alter_table('line_weighings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_line_weighings_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weigh_tolerance_bp', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('weigh_tolerance_bp')

    with op.batch_alter_table('line_weighings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_line_weighings_order_id'))

    op.drop_table('line_weighings')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_shop_id'))
        batch_op.drop_index(batch_op.f('ix_invoices_buyer_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('credit_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_charges_statement_id'))
        batch_op.drop_index(batch_op.f('ix_credit_charges_credit_line_id'))

    op.drop_table('credit_charges')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_shop_id'))
        batch_op.drop_index(batch_op.f('ix_statements_buyer_id'))

    op.drop_table('statements')
    op.drop_table('shop_terms')
    with op.batch_alter_table('credit_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_lines_shop_id'))
        batch_op.drop_index(batch_op.f('ix_credit_lines_buyer_id'))

    op.drop_table('credit_lines')
    with op.batch_alter_table('invoice_titles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_titles_user_id'))

    op.drop_table('invoice_titles')
    op.drop_table('business_profiles')
