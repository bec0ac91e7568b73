"""The product page's related products: a walk of one shop's products in one category, newest first
(catalog.queries._related_statement, its "same shop first" part). Before, PostgreSQL intersected the
shop's index with the whole category's (a bitmap of every product in the category, 0.3 ms on a
category of 7,700) on every product page whose related choice was not kept.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07
"""
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

NAME = "ix_products_shop_category_newest_walk"
COLUMNS = ["shop_id", "category_id", "published_at", "id", "status", "deleted_at"]


def upgrade():
    op.create_index(NAME, "products", COLUMNS, unique=False)


def downgrade():
    op.drop_index(NAME, table_name="products")
