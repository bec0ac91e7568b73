"""Roles with an optional scope: user_roles gains scope_type/scope_id; shop members become roles

Every shop_members row becomes a user_roles row (shop_owner or shop_staff scoped to ("shop",
shop_id), granted when the member joined) and shop_members is dropped. Downgrade moves the shop
roles back into shop_members; grants scoped to anything else, and the roles that did not exist
before, have nowhere to go and are removed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_ROLES = ("admin", "officer", "reviewer")
NEW_ROLES = OLD_ROLES + ("shop_owner", "shop_staff", "market_reporter", "village_clerk", "agriculture_officer",
                         "food_safety_regulator")
UNSCOPED = "scope_type IS NULL"
SHOP = "scope_type = 'shop' AND role IN ('shop_owner', 'shop_staff')"
SHOP_ROLES_SCOPED = "role NOT IN ('shop_owner', 'shop_staff') OR (scope_type = 'shop' AND scope_id IS NOT NULL)"


def _role(values, length):
    return sa.Enum(*values, name="role", native_enum=False, length=length)


def upgrade():
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_roles_user_id_role"), type_="unique")
        batch_op.alter_column("role", existing_type=_role(OLD_ROLES, 20), type_=_role(NEW_ROLES, 32),
                              existing_nullable=False)
        batch_op.add_column(sa.Column("scope_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("scope_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_user_roles_user_id_role_scope_type_scope_id"),
                                          ["user_id", "role", "scope_type", "scope_id"])
        batch_op.create_index("ix_user_roles_scope", ["scope_type", "scope_id"], unique=False)
        batch_op.create_check_constraint("shop_roles_scoped", SHOP_ROLES_SCOPED)
    # Partial indexes after the batch (SQLite's table copy would not keep their WHERE clause).
    op.create_index("uq_user_roles_unscoped", "user_roles", ["user_id", "role"], unique=True,
                    sqlite_where=sa.text(UNSCOPED), postgresql_where=sa.text(UNSCOPED))
    op.create_index("uq_user_roles_one_shop", "user_roles", ["user_id"], unique=True,
                    sqlite_where=sa.text(SHOP), postgresql_where=sa.text(SHOP))

    op.execute("INSERT INTO user_roles (user_id, role, scope_type, scope_id, granted_at) "
               "SELECT user_id, CASE role WHEN 'owner' THEN 'shop_owner' ELSE 'shop_staff' END, 'shop', shop_id, "
               "created_at FROM shop_members ORDER BY id")

    with op.batch_alter_table("shop_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_members_shop_id"))
    op.drop_table("shop_members")


def downgrade():
    op.create_table("shop_members",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("shop_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("role", sa.Enum("owner", "staff", name="memberrole", native_enum=False, length=10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_shop_members_shop_id_shops"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shop_members_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_members")),
    sa.UniqueConstraint("user_id", name=op.f("uq_shop_members_user_id"))
    )
    with op.batch_alter_table("shop_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shop_members_shop_id"), ["shop_id"], unique=False)
    op.execute("INSERT INTO shop_members (shop_id, user_id, role, created_at) "
               "SELECT scope_id, user_id, CASE role WHEN 'shop_owner' THEN 'owner' ELSE 'staff' END, granted_at "
               "FROM user_roles WHERE scope_type = 'shop' AND role IN ('shop_owner', 'shop_staff') "
               "AND scope_id IN (SELECT id FROM shops) ORDER BY id")
    op.execute("DELETE FROM user_roles WHERE scope_type IS NOT NULL OR role NOT IN ('admin', 'officer', 'reviewer')")

    op.drop_index("uq_user_roles_one_shop", table_name="user_roles")
    op.drop_index("uq_user_roles_unscoped", table_name="user_roles")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_user_roles_scope")
        batch_op.drop_constraint(batch_op.f("ck_user_roles_shop_roles_scoped"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_user_roles_user_id_role_scope_type_scope_id"), type_="unique")
        batch_op.drop_column("scope_id")
        batch_op.drop_column("scope_type")
        batch_op.alter_column("role", existing_type=_role(NEW_ROLES, 32), type_=_role(OLD_ROLES, 20),
                              existing_nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_roles_user_id_role"), ["user_id", "role"])
