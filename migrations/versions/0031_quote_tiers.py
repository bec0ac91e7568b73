"""Optional price tiers on a quote line: a JSON list of {min_quantity, unit_price_cents} (null: none).

A JSON column rather than a child table: at most five pairs, always read with their line, never
queried on their own, replaced with the line on a revision and copied into its snapshot.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sourcing_quote_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tiers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("sourcing_quote_lines", schema=None) as batch_op:
        batch_op.drop_column("tiers")
