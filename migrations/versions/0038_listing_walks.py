"""Deep listing pages: covering indexes for the listings' narrow walks (catalog.queries.listing_page),
one per sort, each with every column a listing filters on, so that skipping to page 1,900 reads
index entries only. They replace the two "newest first" indexes they extend.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06
"""
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

WALKS = {
    "ix_products_newest_walk": ["published_at", "id", "status", "deleted_at", "category_id", "origin_region_id",
                                "shop_id"],
    "ix_products_price_walk": ["min_price_cents", "id", "status", "deleted_at", "category_id", "origin_region_id",
                               "shop_id"],
    "ix_products_category_newest_walk": ["category_id", "published_at", "id", "status", "deleted_at", "shop_id"],
    "ix_products_category_price_walk": ["category_id", "min_price_cents", "id", "status", "deleted_at", "shop_id"],
}
REPLACED = {
    "ix_products_published_at": ["published_at"],
    "ix_products_category_published": ["category_id", "published_at"],
}


def upgrade():
    for name, columns in WALKS.items():
        op.create_index(name, "products", columns, unique=False)
    for name in REPLACED:
        op.drop_index(name, table_name="products")


def downgrade():
    for name, columns in REPLACED.items():
        op.create_index(name, "products", columns, unique=False)
    for name in WALKS:
        op.drop_index(name, table_name="products")
