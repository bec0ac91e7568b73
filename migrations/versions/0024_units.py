"""Units as data: the `units` table (code, Chinese and English names, kind, factor to the kind's base
unit, aliases, active, order), filled with the units the code offered until now plus common market
units (筐, 枚, 头, 株, 升 ...); every unit string already on a variant or an order line gets a row too
(kind "package", named by its code, for the admin to review), and variants.unit becomes a foreign
key to units.code. products.min_price_per_kg_cents (the cards' price per kg) is computed for the
products there are.

The rows are written out here, not read from catalog/data/units.json: a migration must give the same
result whenever it runs.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

W, C, P, V, L = "weight", "count", "package", "volume", "length"
#: (code, name, name_en, kind, factor, aliases)
UNITS = [
    ("kg", "千克", "kg", W, 1000, ["kgs", "千克(kg)", "公斤(kg)"]),
    ("公斤", "公斤", "kg", W, 1000, []),
    ("千克", "千克", "kg", W, 1000, []),
    ("斤", "斤", "jin", W, 500, ["市斤"]),
    ("两", "两", "liang", W, 50, ["市两"]),
    ("g", "克", "g", W, 1, ["gram", "克(g)"]),
    ("克", "克", "g", W, 1, []),
    ("吨", "吨", "tonne", W, 1_000_000, ["t", "公吨"]),
    ("担", "担", "dan", W, 50_000, ["市担"]),
    ("个", "个", "piece", C, None, ["pcs", "pc"]),
    ("件", "件", "item", C, None, []),
    ("只", "只", "head", C, None, []),
    ("枚", "枚", "piece", C, None, []),
    ("头", "头", "head", C, None, []),
    ("株", "株", "plant", C, None, []),
    ("棵", "棵", "tree", C, None, []),
    ("颗", "颗", "piece", C, None, []),
    ("根", "根", "stalk", C, None, []),
    ("条", "条", "strip", C, None, []),
    ("块", "块", "block", C, None, []),
    ("张", "张", "sheet", C, None, []),
    ("支", "支", "stick", C, None, []),
    ("把", "把", "piece", C, None, []),
    ("台", "台", "unit", C, None, []),
    ("双", "双", "pair", C, None, []),
    ("套", "套", "set", C, None, []),
    ("打", "打", "dozen", C, None, []),
    ("份", "份", "portion", C, None, []),
    ("箱", "箱", "case", P, None, ["ctn"]),
    ("袋", "袋", "bag", P, None, []),
    ("筐", "筐", "basket", P, None, []),
    ("盒", "盒", "box", P, None, []),
    ("包", "包", "pack", P, None, []),
    ("瓶", "瓶", "bottle", P, None, []),
    ("桶", "桶", "barrel", P, None, []),
    ("罐", "罐", "jar", P, None, []),
    ("坛", "坛", "crock", P, None, []),
    ("捆", "捆", "bundle", P, None, []),
    ("扎", "扎", "bunch", P, None, []),
    ("卷", "卷", "roll", P, None, []),
    ("盆", "盆", "pot", P, None, []),
    ("车", "车", "truckload", P, None, []),
    ("升", "升", "litre", V, 1000, ["L", "公升"]),
    ("毫升", "毫升", "ml", V, 1, ["ml"]),
    ("立方米", "立方米", "cubic metre", V, 1_000_000, ["m3", "方", "立方"]),
    ("米", "米", "metre", L, 1000, ["m"]),
    ("厘米", "厘米", "cm", L, 10, ["cm"]),
    ("毫米", "毫米", "mm", L, 1, ["mm"]),
]

units = sa.table("units", sa.column("code", sa.String), sa.column("name", sa.String), sa.column("name_en", sa.String),
                 sa.column("kind", sa.String), sa.column("factor", sa.Integer), sa.column("aliases", sa.JSON),
                 sa.column("active", sa.Boolean), sa.column("sort_order", sa.Integer),
                 sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)))
variants = sa.table("variants", sa.column("product_id", sa.Integer), sa.column("unit", sa.String),
                    sa.column("price_cents", sa.Integer), sa.column("weight_grams", sa.Integer),
                    sa.column("active", sa.Boolean))
products = sa.table("products", sa.column("id", sa.Integer), sa.column("min_price_per_kg_cents", sa.Integer))


def _fill_units(conn) -> dict[str, int | None]:
    """The units above, then one row for every other unit string already stored; returns grams per
    weight unit (for the prices per kg)."""
    now = dt.datetime.now(dt.UTC)
    rows = [{"code": code, "name": name, "name_en": name_en, "kind": kind, "factor": factor, "aliases": aliases,
             "active": True, "sort_order": i * 10, "created_at": now, "updated_at": now}
            for i, (code, name, name_en, kind, factor, aliases) in enumerate(UNITS)]
    known = {r["code"] for r in rows}
    stored = set(conn.execute(sa.select(variants.c.unit).distinct()).scalars())
    stored |= set(conn.execute(sa.text("SELECT DISTINCT unit FROM order_lines")).scalars())
    for i, code in enumerate(sorted(c for c in stored if c and c not in known)):
        rows.append({"code": code, "name": code[:20], "name_en": code[:40], "kind": P, "factor": None, "aliases": [],
                     "active": True, "sort_order": 10_000 + i * 10, "created_at": now, "updated_at": now})
    op.bulk_insert(units, rows)
    return {code: factor for code, _n, _e, kind, factor, _a in UNITS if kind == W}


def _prices_per_kg(conn, grams_of: dict[str, int | None]) -> None:
    """products.min_price_per_kg_cents: the lowest per kg among active variants whose weight is known."""
    best: dict[int, int] = {}
    for pid, unit, price, weight in conn.execute(sa.select(variants.c.product_id, variants.c.unit, variants.c.price_cents,
                                                           variants.c.weight_grams).where(variants.c.active.is_(True))):
        grams = grams_of.get(unit) or (weight if weight and weight > 0 else None)
        if grams:
            per_kg = (2 * price * 1000 + grams) // (2 * grams)  # rounded half up, as catalog.pricing does
            best[pid] = min(per_kg, best.get(pid, per_kg))
    items = [{"pid": pid, "cents": cents} for pid, cents in best.items()]
    for start in range(0, len(items), 1000):
        conn.execute(products.update().where(products.c.id == sa.bindparam("pid"))
                     .values(min_price_per_kg_cents=sa.bindparam("cents")), items[start:start + 1000])


def upgrade():
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('weight', 'count', 'volume', 'length', 'package', name='unitkind', native_enum=False,
                              length=20), nullable=False),
    sa.Column('factor', sa.Integer(), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('factor IS NULL OR factor > 0', name=op.f('ck_units_factor_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    conn = op.get_bind()
    grams_of = _fill_units(conn)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_price_per_kg_cents', sa.Integer(), nullable=True))
    _prices_per_kg(conn, grams_of)
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_variants_unit_units'), 'units', ['unit'], ['code'])


def downgrade():
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_variants_unit_units'), type_='foreignkey')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('min_price_per_kg_cents')
    op.drop_table('units')
