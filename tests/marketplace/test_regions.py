"""Regions: the shipped file loads, reloading is idempotent and updates, bad files are refused."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import (
    RegionFileError,
    configured_files,
    counties,
    county_of,
    descendant_ids,
    descendants,
    load_regions,
    region_choices,
    region_path,
)
from tests.marketplace.perf_helpers import count_statements

COUNTY_CODES = {"梁园区": "411402", "睢阳区": "411403", "民权县": "411421", "睢县": "411422", "宁陵县": "411423",
                "柘城县": "411424", "虞城县": "411425", "夏邑县": "411426", "永城市": "411481",
                # statistical units of the NBS list with county-level codes
                "豫东综合物流产业聚集区": "411471", "河南商丘经济开发区": "411472"}


def count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Region))


def by_name(db, name) -> Region:
    return db.session.scalar(sa.select(Region).where(Region.name == name))


def write(tmp_path, doc, name="regions.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def small_doc(county_name="柘城县"):
    return {"regions": [{"code": "411400", "name": "商丘市", "level": "city", "children": [
        {"code": "411424", "name": county_name, "name_en": "Zhecheng County", "pinyin": "zhecheng",
         "specialties": ["三樱椒", "金刚石"], "children": [
             {"code": "411424102", "name": "起台镇", "children": [{"code": "411424102201", "name": "北街村"}]}]}]}]}


def level_count(db, level) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Region).where(Region.level == level))


def test_shipped_files_hold_china_to_counties_and_the_city_to_villages(app, db, regions):
    assert count(db) == 8373
    assert level_count(db, RegionLevel.COUNTRY) == 1 and level_count(db, RegionLevel.PROVINCE) == 31
    assert level_count(db, RegionLevel.COUNTY) == 2978 - 3  # 东莞、中山、儋州: cities without counties
    city = by_code(db, "411400")
    assert city.parent.code == "410000" and city.parent.name == "河南省" and city.parent.parent.code == "000000"
    townships = descendants(city)
    assert sum(r.level == RegionLevel.TOWNSHIP for r in townships) == 199
    assert sum(r.level == RegionLevel.VILLAGE for r in townships) == 4834
    assert {c.name: c.code for c in counties()} == COUNTY_CODES
    for county in counties():
        assert county.parent_id == city.id and county.name_en and county.pinyin
    assert "三樱椒" in by_code(db, "411424").specialties and "酥梨" in by_code(db, "411423").specialties
    assert "电解铝" in by_code(db, "411481").specialties and "钢卷尺" in by_code(db, "411425").specialties
    qitai = by_code(db, "411424102")
    assert (qitai.name, qitai.name_en, qitai.level) == ("起台镇", "Qitai Town", RegionLevel.TOWNSHIP)
    assert by_code(db, "411424").name_en == "Zhecheng County"
    # villages as people write them, the committee word left out
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Region).where(
        Region.level == RegionLevel.VILLAGE, Region.name.like("%委会")))
    # the rest of China stops at counties; municipalities' districts hang under the province
    assert by_code(db, "110101").parent.code == "110000" and by_code(db, "110101").name_en == "Dongcheng District"
    assert by_code(db, "410100").name_en == "Zhengzhou" and by_code(db, "610000").name_en == "Shaanxi"


def by_code(db, code) -> Region:
    return db.session.scalar(sa.select(Region).where(Region.code == code))


def test_reload_is_idempotent_and_cheap(app, db, regions):
    """Reloading unchanged files writes nothing: one read of the table and no per-row statement (its
    speed is bench's business, not a timed test's: a loaded CI machine took 7.7 s on 2026-12-07)."""
    ids = {r.code: r.id for r in db.session.scalars(sa.select(Region))}
    with count_statements(db.engine) as seen:
        second = load_regions(configured_files())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 8373)
    writes = [s for s in seen if not s.lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert len(seen) <= 3 and not writes, seen
    assert {r.code: r.id for r in db.session.scalars(sa.select(Region))} == ids


def test_reload_updates_names_and_never_duplicates(app, db, tmp_path):
    load_regions(write(tmp_path, small_doc()))
    before = by_name(db, "柘城县").id
    result = load_regions(write(tmp_path, small_doc("柘城县（新）"), "renamed.json"))
    assert (result.created, result.updated) == (0, 1)
    renamed = db.session.scalar(sa.select(Region).where(Region.code == "411424"))
    assert renamed.id == before and renamed.name == "柘城县（新）"
    assert renamed.specialties == "三樱椒、金刚石"
    assert count(db) == 4


def test_a_city_file_hangs_under_its_province_from_the_country_file(app, db, tmp_path):
    country = {"regions": [{"code": "000000", "name": "中国", "level": "country", "children": [
        {"code": "410000", "name": "河南省", "level": "province", "children": [
            {"code": "411400", "name": "商丘市", "level": "city", "children": [
                {"code": "411424", "name": "柘城县", "level": "county"}]}]}]}]}
    city = {"parent": "410000", **small_doc()}
    result = load_regions([write(tmp_path, country, "china.json"), write(tmp_path, city, "city.json")])
    assert result.created == 6  # the city and county are in both files once
    assert by_name(db, "柘城县").specialties == "三樱椒、金刚石"  # completed by the city file
    assert region_path(by_name(db, "北街村")) == "河南省 › 商丘市 › 柘城县 › 起台镇 › 北街村"
    with pytest.raises(RegionFileError, match="parent 420000 is in no file"):
        load_regions(write(tmp_path, {"parent": "420000", "regions": [{"code": "420100", "name": "武汉市",
                                                                       "level": "city"}]}, "wuhan.json"))


def test_levels_follow_the_parent_and_paths_read_top_down(app, db, regions):
    village = by_code(db, "411424102201")
    assert (village.name, village.level) == ("北街村", RegionLevel.VILLAGE)
    assert region_path(village) == "河南省 › 商丘市 › 柘城县 › 起台镇 › 北街村"
    assert region_path(village, "en") == "Henan › Shangqiu › Zhecheng County › Qitai Town › Beijie Village"
    assert county_of(village).name == "柘城县"
    assert region_path(by_code(db, "000000")) == "中国"


def test_descendants_cover_townships_and_villages(app, db, regions):
    county = by_code(db, "411424")
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
    assert labels[zc + 1].startswith("\u3000") and labels[zc + 1].endswith(("镇", "乡", "街道"))
    assert not any(label.endswith("村") for label in labels)  # villages are not offered
    assert "郑州市" not in labels and "中原区" not in labels  # the city's own only
    en = [label for _id, label in region_choices("en")]
    assert "Zhecheng County" in en


@pytest.mark.parametrize("doc, fragment", [
    ({"regions": [{"code": "411400"}]}, "\"name\" is missing"),
    ({"regions": [{"code": "41A400", "name": "x"}]}, "code"),
    ({"regions": [{"code": "411400", "name": "商丘市", "level": "city", "children": [
        {"code": "411424", "name": "柘城县"}, {"code": "411424", "name": "又一个"}]}]}, "used twice"),
    ({"regions": [{"code": "411400", "name": "商丘市", "level": "city", "children": [
        {"code": "410100", "name": "郑州"}]}]}, "must extend its parent's code"),
    ({"regions": [{"code": "411400", "name": "商丘市", "level": "city", "children": [
        {"code": "411424", "name": "柘城县", "level": "planet"}]}]}, "unknown level"),
    ({"regions": [{"code": "411400", "name": "商丘市"}]}, "a top entry needs a \"level\""),
    ({"regions": [{"code": "411400", "name": "商丘市", "level": "city", "children": [
        {"code": "411424", "name": "柘城县", "level": "province"}]}]}, "cannot sit under"),
    ({"regions": [{"code": "411400", "name": "商丘市", "level": "village", "children": [
        {"code": "411424", "name": "柘城县"}]}]}, "nested deeper than village"),
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
    doc["regions"][0]["children"][0]["children"][0]["children"][0]["code"] = "411425102201"
    with pytest.raises(RegionFileError) as info:
        load_regions(write(tmp_path, doc))
    message = str(info.value)
    assert "411425102201" in message and "北街村" in message and "411424102" in message


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
    assert "商丘市的县区和特产" in html and "柘城县" in html and "三樱椒" in html and "起台镇" in html
    assert "/shops?county=411424" in html


def test_regions_page_without_data(client, app):
    assert client.get("/regions/").status_code == 200
