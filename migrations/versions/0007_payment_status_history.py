"""Payments: status history of payments, refunds and transfers

Three tables, one per machine (payment_status_changes, refund_status_changes,
transfer_status_changes), each with a foreign key to its row like order_status_changes. Only new
tables: existing rows keep their data and get no back-filled history (their history starts with
the first move after this revision; a made-up "created" entry would carry a wrong time).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATUSES = {
    "payment": ("payments", ("pending", "processing", "requires_action", "succeeded", "failed", "canceled")),
    "refund": ("refunds", ("pending", "succeeded", "failed")),
    "transfer": ("transfers", ("pending", "paid", "failed")),
}


def upgrade():
    for kind, (parent, values) in STATUSES.items():
        table = f"{kind}_status_changes"
        status = sa.Enum(*values, name=f"{kind}status", native_enum=False, length=20)
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("actor_id", sa.Integer(), nullable=True),
            sa.Column("note", sa.String(length=300), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column(f"{kind}_id", sa.Integer(), nullable=False),
            sa.Column("from_status", status, nullable=True),
            sa.Column("to_status", status, nullable=False),
            sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f(f"fk_{table}_actor_id_users"),
                                    ondelete="SET NULL"),
            sa.ForeignKeyConstraint([f"{kind}_id"], [f"{parent}.id"], name=op.f(f"fk_{table}_{kind}_id_{parent}"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{kind}_id"), [f"{kind}_id"], unique=False)


def downgrade():
    for kind in reversed(STATUSES):
        table = f"{kind}_status_changes"
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{kind}_id"))
        op.drop_table(table)
