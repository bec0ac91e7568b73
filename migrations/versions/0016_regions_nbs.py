"""Regions from the official division codes; addresses at any level; delivery zones with a fee each

- regions gain the country and province levels; when the table holds rows (an existing site), they
  are matched by name (city > county > township > village) to the official data files and take
  their official codes (the old township and village codes were invented and may collide with
  real ones); a row that matches nothing (an invented village) is merged into its nearest matched
  parent (every reference to it is moved there) and removed; then the data files are loaded.
- addresses lose ``province``: the region (any level) says it.
- shop_delivery_zones replace shop_delivery_counties and the rule's fee columns: each county a
  shop served becomes a zone with the rule's fee.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_LEVELS = ("city", "county", "township", "village")
NEW_LEVELS = ("country", "province", "city", "county", "township", "village")
FEE_MODE = sa.Enum("flat", "per_kg", "per_unit", name="feemode", native_enum=False, length=10)


def _level_type(levels):
    return sa.Enum(*levels, name="regionlevel", native_enum=False, length=12)


def upgrade():
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.alter_column("level", existing_type=_level_type(OLD_LEVELS), type_=_level_type(NEW_LEVELS),
                              existing_nullable=False)
    op.create_table(
        "shop_delivery_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("fee_mode", FEE_MODE, nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("free_above_cents", sa.Integer(), nullable=True),
        sa.CheckConstraint("fee_cents >= 0", name=op.f("ck_shop_delivery_zones_fee_not_negative")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_shop_delivery_zones_region_id_regions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rule_id"], ["shop_delivery_rules.id"],
                                name=op.f("fk_shop_delivery_zones_rule_id_shop_delivery_rules"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_delivery_zones")),
        sa.UniqueConstraint("rule_id", "region_id", name=op.f("uq_shop_delivery_zones_rule_id_region_id")),
    )
    with op.batch_alter_table("shop_delivery_zones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shop_delivery_zones_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shop_delivery_zones_rule_id"), ["rule_id"], unique=False)
    op.execute(
        "INSERT INTO shop_delivery_zones (rule_id, region_id, fee_mode, fee_cents, free_above_cents) "
        "SELECT c.rule_id, c.region_id, r.fee_mode, r.fee_cents, r.free_above_cents "
        "FROM shop_delivery_counties c JOIN shop_delivery_rules r ON r.id = c.rule_id")
    op.drop_table("shop_delivery_counties")
    with op.batch_alter_table("shop_delivery_rules", schema=None) as batch_op:
        batch_op.drop_column("fee_mode")
        batch_op.drop_column("fee_cents")
        batch_op.drop_column("free_above_cents")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_column("province")
    _official_regions(op.get_bind())


def _official_regions(conn) -> None:
    from flask import current_app

    from marketplace.regions.loading import read_regions, upsert

    regions = sa.table("regions", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("parent_id"))
    rows = conn.execute(sa.select(regions.c.id, regions.c.code, regions.c.name, regions.c.parent_id)).all()
    if not rows:
        return  # an empty site: `flask regions load` or the demo seed loads the files
    config = current_app.config
    entries = read_regions([p for p in (config.get("COUNTRY_REGIONS_FILE"), config["CITY_REGIONS_FILE"]) if p])
    by_code = {e.code: e for e in entries}
    official: dict[tuple, str] = {}
    for entry in entries:
        official.setdefault(_name_path(entry, by_code), entry.code)
    row_by_id = {r.id: r for r in rows}
    matched: dict[int, str] = {}
    for row in sorted(rows, key=lambda r: r.id):
        code = official.get(_row_path(row, row_by_id))
        if code is None and row.code in by_code and by_code[row.code].name == row.name:
            code = row.code  # the old county codes were the official ones
        if code is not None and code not in matched.values():
            matched[row.id] = code
    taken = set(matched.values())
    # first out of the way (an invented code may be another region's real one), then the real codes
    conn.execute(regions.update().values(code=sa.literal("x") + sa.cast(regions.c.id, sa.String)))
    for row in rows:
        target = _merge_target(row, row_by_id, matched)
        if row.id in matched:
            conn.execute(regions.update().where(regions.c.id == row.id).values(code=matched[row.id]))
        elif target is not None:
            _move_references(conn, row.id, target)
        elif row.code not in taken:
            conn.execute(regions.update().where(regions.c.id == row.id).values(code=row.code))
    unmatched = [r.id for r in rows if r.id not in matched and _merge_target(r, row_by_id, matched) is not None]
    for region_id in sorted(unmatched, key=lambda i: -_depth(row_by_id[i], row_by_id)):  # villages first
        conn.execute(regions.delete().where(regions.c.id == region_id))
    if conn.dialect.name == "postgresql":  # rows written with explicit ids leave the sequence behind
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('regions', 'id'), "
                             "(SELECT COALESCE(MAX(id), 1) FROM regions))"))
    upsert(conn, entries)


def _name_path(entry, by_code) -> tuple:
    """(city, county, township, village) names from the city down; "" above the city."""
    names = []
    node = entry
    while node is not None and node.level.value not in ("country", "province"):
        names.append(node.name)
        node = by_code.get(node.parent_code) if node.parent_code else None
    return tuple(reversed(names))


def _row_path(row, row_by_id) -> tuple:
    names = []
    node = row
    while node is not None and len(names) < 10:
        names.append(node.name)
        node = row_by_id.get(node.parent_id)
    return tuple(reversed(names))


def _depth(row, row_by_id) -> int:
    return len(_row_path(row, row_by_id))


def _merge_target(row, row_by_id, matched) -> int | None:
    """The nearest matched region above an unmatched row (None: the row is kept as it is)."""
    if row.id in matched:
        return None
    node = row_by_id.get(row.parent_id)
    while node is not None:
        if node.id in matched:
            return node.id
        node = row_by_id.get(node.parent_id)
    return None


def _move_references(conn, old_id: int, new_id: int) -> None:
    """Point every foreign key to regions (in any table, found by inspection) and every role
    scoped to the region from ``old_id`` to ``new_id``."""
    inspector = sa.inspect(conn)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] != "regions" or len(fk["constrained_columns"]) != 1:
                continue
            column = fk["constrained_columns"][0]
            if table == "regions" and column == "parent_id":
                continue
            t = sa.table(table, sa.column(column))
            conn.execute(t.update().where(t.c[column] == old_id).values({column: new_id}))
    roles = sa.table("user_roles", sa.column("scope_type"), sa.column("scope_id"))
    conn.execute(roles.update().where(roles.c.scope_type == "region", roles.c.scope_id == old_id)
                 .values(scope_id=new_id))


def downgrade():
    op.create_table(
        "shop_delivery_counties",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_shop_delivery_counties_region_id_regions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rule_id"], ["shop_delivery_rules.id"],
                                name=op.f("fk_shop_delivery_counties_rule_id_shop_delivery_rules"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rule_id", "region_id", name=op.f("pk_shop_delivery_counties")),
    )
    op.execute("INSERT INTO shop_delivery_counties (rule_id, region_id) SELECT rule_id, region_id FROM shop_delivery_zones")
    with op.batch_alter_table("shop_delivery_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_mode", FEE_MODE, nullable=False, server_default="flat"))
        batch_op.add_column(sa.Column("fee_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("free_above_cents", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE shop_delivery_rules SET fee_mode = z.fee_mode, fee_cents = z.fee_cents, "
        "free_above_cents = z.free_above_cents FROM (SELECT rule_id, MIN(id) AS id FROM shop_delivery_zones "
        "GROUP BY rule_id) f JOIN shop_delivery_zones z ON z.id = f.id WHERE z.rule_id = shop_delivery_rules.id")
    with op.batch_alter_table("shop_delivery_rules", schema=None) as batch_op:
        batch_op.alter_column("fee_mode", server_default=None)
        batch_op.alter_column("fee_cents", server_default=None)
    with op.batch_alter_table("shop_delivery_zones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_delivery_zones_rule_id"))
        batch_op.drop_index(batch_op.f("ix_shop_delivery_zones_region_id"))
    op.drop_table("shop_delivery_zones")
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province", sa.String(length=20), nullable=False, server_default="河南省"))
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.alter_column("province", server_default=None)
    # the country and province rows stay: an older release reads them as regions of unknown use
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.alter_column("level", existing_type=_level_type(NEW_LEVELS), type_=_level_type(OLD_LEVELS),
                              existing_nullable=False)
