"""media_images: each uploaded image's normalised original, whose sizes a job makes after the upload
(issue 19). Images stored before have their sizes already and need no row.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(length=255), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_images")),
        sa.UniqueConstraint("base", name=op.f("uq_media_images_base")),
    )
    with op.batch_alter_table("media_images") as batch_op:
        batch_op.create_index(batch_op.f("ix_media_images_ready_at"), ["ready_at"], unique=False)


def downgrade():
    with op.batch_alter_table("media_images") as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_images_ready_at"))
    op.drop_table("media_images")
