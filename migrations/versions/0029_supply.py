"""Sourcing (供应): supply posts (sourcing_supply_posts), their status history and photos, and the link
from a request to the supply post it reserves (sourcing_requests.supply_post_id).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

STATUS = sa.Enum('open', 'withdrawn', 'expired', 'sold_out', name='supplystatus', native_enum=False, length=12)


def upgrade():
    op.create_table('sourcing_supply_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('spec', sa.String(length=1000), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=False),
    sa.Column('available_until', sa.Date(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('price_min_cents', sa.Integer(), nullable=True),
    sa.Column('price_max_cents', sa.Integer(), nullable=True),
    sa.Column('status', STATUS, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sourcing_supply_posts_quantity_positive')),
    sa.CheckConstraint('available_until >= available_from', name=op.f('ck_sourcing_supply_posts_window_ordered')),
    sa.CheckConstraint('price_min_cents IS NULL OR price_min_cents > 0',
                       name=op.f('ck_sourcing_supply_posts_price_min_positive')),
    sa.CheckConstraint('price_max_cents IS NULL OR price_min_cents IS NULL OR price_max_cents >= price_min_cents',
                       name=op.f('ck_sourcing_supply_posts_price_range_ordered')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_sourcing_supply_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_sourcing_supply_posts_category_id_categories')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sourcing_supply_posts_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_sourcing_supply_posts_region_id_regions')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sourcing_supply_posts_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_supply_posts'))
    )
    with op.batch_alter_table('sourcing_supply_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_supply_posts_available_until'), ['available_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_supply_posts_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_supply_posts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_supply_posts_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_supply_posts_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcing_supply_posts_status'), ['status'], unique=False)

    op.create_table('sourcing_supply_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('from_status', STATUS, nullable=True),
    sa.Column('to_status', STATUS, nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_sourcing_supply_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['sourcing_supply_posts.id'], name=op.f('fk_sourcing_supply_changes_post_id_sourcing_supply_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_supply_changes'))
    )
    with op.batch_alter_table('sourcing_supply_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_supply_changes_post_id'), ['post_id'], unique=False)

    op.create_table('sourcing_supply_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['sourcing_supply_posts.id'], name=op.f('fk_sourcing_supply_photos_post_id_sourcing_supply_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sourcing_supply_photos'))
    )
    with op.batch_alter_table('sourcing_supply_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcing_supply_photos_post_id'), ['post_id'], unique=False)

    with op.batch_alter_table('sourcing_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supply_post_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sourcing_requests_supply_post_id'), ['supply_post_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sourcing_requests_supply_post_id_sourcing_supply_posts'),
                                    'sourcing_supply_posts', ['supply_post_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('sourcing_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sourcing_requests_supply_post_id_sourcing_supply_posts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sourcing_requests_supply_post_id'))
        batch_op.drop_column('supply_post_id')
    op.drop_table('sourcing_supply_photos')
    op.drop_table('sourcing_supply_changes')
    op.drop_table('sourcing_supply_posts')
