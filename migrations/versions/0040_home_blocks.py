"""home_blocks: the home page's blocks (featured products, the 一县一品 tiles) chosen ahead of time by
a job when the catalogue changes, so a home request does not choose them (issue 20).

Revision ID: 0040
Revises: 0038
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "home_blocks",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("source_version", sa.String(length=80), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_home_blocks")),
    )


def downgrade():
    op.drop_table("home_blocks")
