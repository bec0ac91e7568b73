"""job_failures: on-event jobs run in-process whose every attempt failed, kept with their arguments
until an admin runs them again or discards them (/admin/jobs).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"], name=op.f("fk_job_failures_resolved_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_failures")),
    )
    op.create_index(op.f("ix_job_failures_resolved_at"), "job_failures", ["resolved_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_job_failures_resolved_at"), table_name="job_failures")
    op.drop_table("job_failures")
