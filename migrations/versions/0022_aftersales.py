"""After-sales (售后): a buyer's refund or return request on lines of a paid order, its photos and
status history; shop_terms.after_sales_days is each shop's window (None: the site's default).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('after_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('refund', 'return', name='aftersalekind', native_enum=False, length=10), nullable=False),
    sa.Column('reason', sa.Enum('quality', 'short_weight', 'damaged', 'wrong_item', 'not_as_described', 'not_received', 'other', name='aftersalereason', native_enum=False, length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'awaiting_return', 'returned', 'refunded', 'refused', 'disputed', 'closed', 'withdrawn', name='aftersalestatus', native_enum=False, length=20), nullable=False),
    sa.Column('shop_note', sa.String(length=300), nullable=False),
    sa.Column('return_shipping', sa.Enum('shop', 'buyer', 'none', name='returnshipping', native_enum=False, length=10), nullable=True),
    sa.Column('return_address', sa.String(length=300), nullable=False),
    sa.Column('return_carrier', sa.String(length=60), nullable=False),
    sa.Column('return_tracking', sa.String(length=60), nullable=False),
    sa.Column('dispute_note', sa.String(length=500), nullable=False),
    sa.Column('ruling_note', sa.String(length=300), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('credited_cents', sa.Integer(), server_default='0', nullable=False),
    sa.Column('credit_restocked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_after_sales_amount_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_after_sales_buyer_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_after_sales_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_after_sales_refund_id_refunds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_after_sales_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sales'))
    )
    with op.batch_alter_table('after_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sales_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_status'), ['status'], unique=False)

    op.create_table('after_sale_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('after_sale_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('requested', 'awaiting_return', 'returned', 'refunded', 'refused', 'disputed', 'closed', 'withdrawn', name='aftersalestatus', native_enum=False, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('requested', 'awaiting_return', 'returned', 'refunded', 'refused', 'disputed', 'closed', 'withdrawn', name='aftersalestatus', native_enum=False, length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_after_sale_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['after_sale_id'], ['after_sales.id'], name=op.f('fk_after_sale_changes_after_sale_id_after_sales'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sale_changes'))
    )
    with op.batch_alter_table('after_sale_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sale_changes_after_sale_id'), ['after_sale_id'], unique=False)

    op.create_table('after_sale_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('after_sale_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_after_sale_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['after_sale_id'], ['after_sales.id'], name=op.f('fk_after_sale_lines_after_sale_id_after_sales'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_after_sale_lines_order_line_id_order_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sale_lines'))
    )
    with op.batch_alter_table('after_sale_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sale_lines_after_sale_id'), ['after_sale_id'], unique=False)

    op.create_table('after_sale_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('after_sale_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['after_sale_id'], ['after_sales.id'], name=op.f('fk_after_sale_photos_after_sale_id_after_sales'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_after_sale_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sale_photos'))
    )
    with op.batch_alter_table('after_sale_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sale_photos_after_sale_id'), ['after_sale_id'], unique=False)

    with op.batch_alter_table('shop_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('after_sales_days', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('shop_terms', schema=None) as batch_op:
        batch_op.drop_column('after_sales_days')

    with op.batch_alter_table('after_sale_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sale_photos_after_sale_id'))

    op.drop_table('after_sale_photos')
    with op.batch_alter_table('after_sale_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sale_lines_after_sale_id'))

    op.drop_table('after_sale_lines')
    with op.batch_alter_table('after_sale_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sale_changes_after_sale_id'))

    op.drop_table('after_sale_changes')
    with op.batch_alter_table('after_sales', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sales_status'))
        batch_op.drop_index(batch_op.f('ix_after_sales_shop_id'))
        batch_op.drop_index(batch_op.f('ix_after_sales_order_id'))
        batch_op.drop_index(batch_op.f('ix_after_sales_created_at'))
        batch_op.drop_index(batch_op.f('ix_after_sales_buyer_id'))

    op.drop_table('after_sales')
