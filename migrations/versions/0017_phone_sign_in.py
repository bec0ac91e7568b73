"""Accounts: sign-up and sign-in by mobile number (users.mobile, e-mail optional, phone_codes);
the outbox carries SMS too (outbox_messages.channel, sms_params)

Existing users keep their e-mail and their free-form contact phone (users.phone, never verified,
so it is not copied into mobile); existing outbox rows are e-mail.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column("mobile", sa.String(length=16), nullable=True))
        batch_op.create_index("uq_users_mobile", ["mobile"], unique=True,
                              sqlite_where=sa.text("deleted_at IS NULL"),
                              postgresql_where=sa.text("deleted_at IS NULL"))
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.Enum("register", "login", "change_phone", name="codepurpose", native_enum=False,
                                     length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_phone_codes_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_codes")),
    )
    with op.batch_alter_table("phone_codes", schema=None) as batch_op:
        batch_op.create_index("ix_phone_codes_phone_purpose", ["phone", "purpose"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_codes_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.Enum("email", "sms", name="channel", native_enum=False, length=10),
                                      server_default="email", nullable=False))
        batch_op.add_column(sa.Column("sms_params", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("sms_params")
        batch_op.drop_column("channel")
    op.drop_table("phone_codes")
    # accounts made with a mobile number only get a placeholder address (e-mail is required again)
    op.execute("UPDATE users SET email = 'mobile-' || id || '@phone.invalid' WHERE email IS NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("uq_users_mobile", sqlite_where=sa.text("deleted_at IS NULL"),
                            postgresql_where=sa.text("deleted_at IS NULL"))
        batch_op.drop_column("mobile")
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
