"""Batch allocations record the units that came back: ``returned`` into the batch (a refund's or an
after-sale's restock, a weighing at handover that found less) and ``discarded`` (the batch was
recalled or expired: kept off sale). Existing rows get 0 for both.

Revision ID: 0044
Revises: 0042
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("trace_allocations") as batch:
        batch.add_column(sa.Column("returned", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("discarded", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint(
            "returns_within_quantity", "returned >= 0 AND discarded >= 0 AND returned + discarded <= quantity")


def downgrade():
    with op.batch_alter_table("trace_allocations") as batch:
        batch.drop_constraint(batch.f("ck_trace_allocations_returns_within_quantity"), type_="check")
        batch.drop_column("discarded")
        batch.drop_column("returned")
