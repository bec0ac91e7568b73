"""Payments: WeChat Pay / Alipay checkout URL, the bank transfer's remittance slip

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("checkout_url", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("slip_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("slip_uploaded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("slip_uploaded_at")
        batch.drop_column("slip_key")
        batch.drop_column("checkout_url")
