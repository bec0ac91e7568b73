"""Regions: the shipped file loads, reloading is idempotent and updates, bad files are refused."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import (
    RegionFileError,
    counties,
    county_of,
    descendant_ids,
    descendants,
    load_regions,
    region_choices,
    region_path,
)

COUNTY_CODES = {"梁园区": "411402", "睢阳区": "411403", "民权县": "411421", "睢县": "411422", "宁陵县": "411423",
                "柘城县": "411424", "虞城县": "411425", "夏邑县": "411426", "永城市": "411481"}


def count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Region))


def by_name(db, name) -> Region:
    return db.session.scalar(sa.select(Region).where(Region.name == name))


def write(tmp_path, doc, name="regions.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def small_doc(county_name="柘城县"):
    return {"regions": [{"code": "411400", "name": "商丘市", "children": [
        {"code": "411424", "name": county_name, "name_en": "Zhecheng County", "pinyin": "zhecheng",
         "specialties": ["三樱椒", "金刚石"], "children": [
             {"code": "411424101", "name": "起台镇", "children": [{"code": "411424101201", "name": "北街村"}]}]}]}]}


def test_shipped_file_has_the_city_its_nine_counties_and_their_specialties(app, db):
    result = load_regions(app.config["CITY_REGIONS_FILE"])
    assert result.created == count(db) and result.updated == 0
    city = db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.CITY))
    assert (city.code, city.name) == ("411400", "商丘市")
    found = {c.name: c.code for c in counties()}
    assert found == COUNTY_CODES
    for county in counties():
        assert county.parent_id == city.id
        assert county.name_en and county.pinyin and county.specialties
        townships = [r for r in county.children if r.level == RegionLevel.TOWNSHIP]
        assert 3 <= len(townships) <= 5, county.name
        for township in townships:
            assert township.code.startswith(county.code)
            villages = township.children
            assert 1 <= len(villages) <= 3
            assert all(v.level == RegionLevel.VILLAGE and v.code.startswith(township.code) for v in villages)
    assert "辣椒" in by_name(db, "柘城县").specialties or "椒" in by_name(db, "柘城县").specialties
    assert "酥梨" in by_name(db, "宁陵县").specialties
    assert "电解铝" in by_name(db, "永城市").specialties
    assert "钢卷尺" in by_name(db, "虞城县").specialties
    assert by_name(db, "柘城县").name_en == "Zhecheng County"


def test_reload_is_idempotent(app, db):
    path = app.config["CITY_REGIONS_FILE"]
    first = load_regions(path)
    total = count(db)
    ids = {r.code: r.id for r in db.session.scalars(sa.select(Region))}
    second = load_regions(path)
    assert count(db) == total == first.created
    assert (second.created, second.updated, second.unchanged) == (0, 0, total)
    assert {r.code: r.id for r in db.session.scalars(sa.select(Region))} == ids


def test_reload_updates_names_and_never_duplicates(app, db, tmp_path):
    load_regions(write(tmp_path, small_doc()))
    before = by_name(db, "柘城县").id
    result = load_regions(write(tmp_path, small_doc("柘城县（新）"), "renamed.json"))
    assert (result.created, result.updated) == (0, 1)
    db.session.expire_all()
    renamed = db.session.scalar(sa.select(Region).where(Region.code == "411424"))
    assert renamed.id == before and renamed.name == "柘城县（新）"
    assert renamed.specialties == "三樱椒、金刚石"
    assert count(db) == 4


def test_levels_follow_depth_and_paths_read_top_down(app, db, regions):
    village = by_name(db, "刘花桥村")
    assert village.level == RegionLevel.VILLAGE
    assert region_path(village) == "商丘市 › 宁陵县 › 石桥镇 › 刘花桥村"
    assert region_path(village, "en") == "Shangqiu › Ningling County › Shiqiao Town › Liuhuaqiao Village"
    assert county_of(village).name == "宁陵县"


def test_descendants_cover_townships_and_villages(app, db, regions):
    county = by_name(db, "柘城县")
    below = descendants(county)
    names = {r.name for r in below}
    assert {"起台镇", "胡襄镇", "北街村"} <= names
    assert "石桥镇" not in names
    ids = descendant_ids(county)
    assert ids[0] == county.id and len(ids) == len(below) + 1


def test_region_choices_indent_townships_under_their_county(app, db, regions):
    choices = region_choices()
    labels = [label for _id, label in choices]
    assert labels[0] == "梁园区"
    zc = labels.index("柘城县")
    assert labels[zc + 1].strip("\u3000") in {"起台镇", "胡襄镇", "慈圣镇", "安平镇", "远襄镇"}
    assert labels[zc + 1].startswith("\u3000")
    assert not any("村" in label and label.endswith("村") for label in labels)  # villages are not offered
    en = [label for _id, label in region_choices("en")]
    assert "Zhecheng County" in en


@pytest.mark.parametrize("doc, fragment", [
    ({"regions": [{"code": "411400"}]}, "\"name\" is missing"),
    ({"regions": [{"code": "41A400", "name": "x"}]}, "code"),
    ({"regions": [{"code": "411400", "name": "商丘市", "children": [
        {"code": "411424", "name": "柘城县"}, {"code": "411424", "name": "又一个"}]}]}, "used twice"),
    ({"regions": [{"code": "411400", "name": "商丘市", "children": [
        {"code": "410100", "name": "郑州"}]}]}, "must extend its parent's code"),
    ({"regions": [{"code": "411400", "name": "商丘市", "children": [
        {"code": "411424", "name": "柘城县", "level": "planet"}]}]}, "unknown level"),
    ({"regions": [{"code": "411400", "name": "商丘市", "level": "village", "children": [
        {"code": "411424", "name": "柘城县"}]}]}, "cannot sit under"),
    ({"regions": []}, "non-empty"),
    ({"regions": [{"code": "411400", "name": "商丘市", "name_en": 5}]}, "must be text"),
])
def test_bad_files_are_refused_naming_the_entry_and_nothing_is_written(app, db, tmp_path, doc, fragment):
    with pytest.raises(RegionFileError) as info:
        load_regions(write(tmp_path, doc))
    assert fragment in str(info.value)
    assert "regions" in str(info.value)
    assert count(db) == 0


def test_bad_entry_message_names_code_and_name(app, db, tmp_path):
    doc = small_doc()
    doc["regions"][0]["children"][0]["children"][0]["children"][0]["code"] = "411425101201"
    with pytest.raises(RegionFileError) as info:
        load_regions(write(tmp_path, doc))
    message = str(info.value)
    assert "411425101201" in message and "北街村" in message and "411424101" in message


def test_not_json_and_missing_file(app, db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RegionFileError, match="not valid UTF-8 JSON"):
        load_regions(bad)
    with pytest.raises(RegionFileError, match="not found"):
        load_regions(tmp_path / "missing.json")


def test_cli_loads_the_configured_file_and_reports(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["regions", "load"])
    assert result.exit_code == 0, result.output
    assert f"{count(db)} created" in result.output
    again = runner.invoke(args=["regions", "load"])
    assert "0 created, 0 updated" in again.output


def test_cli_bad_file_fails_with_the_message(app, db, tmp_path):
    path = write(tmp_path, {"regions": [{"code": "411400"}]})
    result = app.test_cli_runner().invoke(args=["regions", "load", str(path)])
    assert result.exit_code != 0
    assert "\"name\" is missing" in result.output


def test_regions_page_lists_counties_with_specialties_and_links(client, regions):
    html = client.get("/regions/").get_data(as_text=True)
    assert "柘城县" in html and "三樱椒" in html and "起台镇" in html
    assert "/shops?county=411424" in html


def test_regions_page_without_data(client, app):
    assert client.get("/regions/").status_code == 200
