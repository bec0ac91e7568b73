"""Weighed settlement charges an overage (多退少补 both ways): shop_terms.charge_overweight (the shop's
choice, on by default), order_lines.weigh_charges_over (what the buyer accepted at checkout; lines
placed before this migration accepted "an overage is not charged", so they stay false), and on
line_weighings what the buyer owes for an overage, how it is settled and when it was.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charge_overweight', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weigh_charges_over', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('line_weighings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charged_cents', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('charge_via', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('charge_settled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('line_weighings', schema=None) as batch_op:
        batch_op.drop_column('charge_settled_at')
        batch_op.drop_column('charge_via')
        batch_op.drop_column('charged_cents')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('weigh_charges_over')
    with op.batch_alter_table('shop_terms', schema=None) as batch_op:
        batch_op.drop_column('charge_overweight')
