"""Confirmed CSV imports run as background jobs: catalog_import_runs keeps each one's progress and
outcome for the page the merchant watches.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalog_import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_catalog_import_runs_actor_id_users")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_catalog_import_runs_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_import_runs")),
    )
    with op.batch_alter_table("catalog_import_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_import_runs_shop_id"), ["shop_id"], unique=False)


def downgrade():
    with op.batch_alter_table("catalog_import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_import_runs_shop_id"))
    op.drop_table("catalog_import_runs")
