"""A monthly statement is paid online too (WeChat Pay, Alipay): payments.statement_id names the
statement a trade pays, and such a payment has no order group (payments.group_id nullable).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('group_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('statement_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_statement_id'), ['statement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payments_statement_id_statements'), 'statements',
                                    ['statement_id'], ['id'])


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_statement_id_statements'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_statement_id'))
        batch_op.drop_column('statement_id')
    # statement payments have no group: they go with the column's NOT NULL
    op.execute("DELETE FROM payments WHERE group_id IS NULL")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('group_id', existing_type=sa.Integer(), nullable=False)
