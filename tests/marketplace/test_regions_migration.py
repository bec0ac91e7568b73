"""Migration 0016 on a site with the old sample regions: rows match the official ones by name and
take their codes (an invented code that is another township's real one included), an invented
village is merged into its township with everything that referred to it, delivery rules become
zones with their fee, addresses keep their region; then downgrade brings the old columns back."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.config import normalise_database_url
from tests.marketplace.test_migrations import _flask_db, _rows, empty_database  # noqa: F401 (a fixture)

NOW = "2026-12-01 08:00:00+00:00"
#: (id, code, name, level, parent id) as the old sample file wrote them: 起台镇 had 411424101 (really
#: 陈青集镇) and 胡襄镇 411424102 (really 起台镇); 测试虚构村 exists nowhere.
OLD_REGIONS = [(1, "411400", "商丘市", "city", None), (2, "411424", "柘城县", "county", 1),
               (3, "411424101", "起台镇", "township", 2), (4, "411424101201", "北街村", "village", 3),
               (5, "411424102", "胡襄镇", "township", 2), (6, "411424102299", "测试虚构村", "village", 5)]


def _old_site(url: str) -> None:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.begin() as conn:
            for rid, code, name, level, parent in OLD_REGIONS:
                conn.execute(sa.text("INSERT INTO regions (id, code, name, name_en, pinyin, level, parent_id, "
                                     "specialties, sort_order) VALUES (:id, :code, :name, '', '', :level, :parent, "
                                     "'', 0)"), {"id": rid, "code": code, "name": name, "level": level,
                                                 "parent": parent})
            conn.execute(sa.text("INSERT INTO users (id, email, name, password_hash, locale, active, auth_version, "
                                 "created_at) VALUES (1, 'u1@example.com', '', 'x', 'zh_CN', TRUE, 1, :now)"),
                         {"now": NOW})
            conn.execute(sa.text("INSERT INTO user_roles (user_id, role, scope_type, scope_id, granted_at) "
                                 "VALUES (1, 'village_clerk', 'region', 6, :now)"), {"now": NOW})
            conn.execute(sa.text("INSERT INTO shops (id, slug, name, shop_type, status, region_id, address, phone, "
                                 "licence_number, description, created_at, updated_at) VALUES (1, 'la-jiao', '辣椒', "
                                 "'farmer', 'approved', 3, '起台镇', '0370-1234567', '91411400MA0000000X', '', :now, "
                                 ":now)"), {"now": NOW})
            conn.execute(sa.text("INSERT INTO addresses (id, user_id, recipient, phone, province, region_id, street, "
                                 "is_default, created_at) VALUES (1, 1, '王芳', '13800000000', '河南省', 6, '1 号', "
                                 "TRUE, :now), (2, 1, '王芳', '13800000000', '河南省', 2, '2 号', FALSE, :now)"),
                         {"now": NOW})
            conn.execute(sa.text("INSERT INTO shop_delivery_rules (id, shop_id, delivery_enabled, fee_mode, fee_cents, "
                                 "free_above_cents, pickup_enabled, pickup_address, pickup_hours, updated_at) VALUES "
                                 "(1, 1, TRUE, 'per_kg', 500, 20000, TRUE, '', '', :now)"), {"now": NOW})
            conn.execute(sa.text("INSERT INTO shop_delivery_counties (rule_id, region_id) VALUES (1, 2)"))
    finally:
        engine.dispose()


def test_old_sample_regions_take_the_official_codes_and_rules_become_zones(empty_database, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    _flask_db(["upgrade", "0014"], empty_database, data)
    _old_site(empty_database)
    _flask_db(["upgrade", "head"], empty_database, data)

    codes = dict(_rows(empty_database, "SELECT id, code FROM regions WHERE id <= 5"))
    assert codes == {1: "411400", 2: "411424", 3: "411424102", 4: "411424102201", 5: "411424103"}
    assert _rows(empty_database, "SELECT name FROM regions WHERE code = '411424101'") == {("陈青集镇",)}
    assert _rows(empty_database, "SELECT count(*) FROM regions") == {(8373,)}
    assert _rows(empty_database, "SELECT id FROM regions WHERE name = '测试虚构村'") == set()
    assert _rows(empty_database, "SELECT p.code FROM regions c JOIN regions p ON p.id = c.parent_id "
                                 "WHERE c.id = 1") == {("410000",)}
    # the invented village's address and clerk now point at its township
    assert _rows(empty_database, "SELECT id, region_id FROM addresses") == {(1, 5), (2, 2)}
    assert _rows(empty_database, "SELECT scope_id FROM user_roles WHERE role = 'village_clerk'") == {(5,)}
    assert _rows(empty_database, "SELECT region_id FROM shops") == {(3,)}
    assert _rows(empty_database, "SELECT rule_id, region_id, fee_mode, fee_cents, free_above_cents "
                                 "FROM shop_delivery_zones") == {(1, 2, "per_kg", 500, 20000)}

    _flask_db(["downgrade", "0014"], empty_database, data)
    assert _rows(empty_database, "SELECT rule_id, region_id FROM shop_delivery_counties") == {(1, 2)}
    assert _rows(empty_database, "SELECT fee_mode, fee_cents, free_above_cents FROM shop_delivery_rules") == {
        ("per_kg", 500, 20000)}
    assert _rows(empty_database, "SELECT province FROM addresses") == {("河南省",)}
