"""Region pages (/regions/<code>): every county, township and village of the city, breadcrumbs,
the column and who may edit it, the blocks the catalogue, sourcing and prices add, and what a page
costs in SQL statements."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db as _db
from marketplace.regions.column_models import RegionColumn, RegionColumnChange, RegionPhoto
from tests.marketplace.perf_helpers import count_statements
from tests.marketplace.region_page_helpers import grant_clerk, image_bytes, price, region, supply_post

VILLAGE, TOWNSHIP, COUNTY = "411424102203", "411424102", "411424"  # 王庄村, 起台镇, 柘城县


@pytest.fixture
def places(regions):
    return {"village": region("王庄村", "起台镇"), "township": region("起台镇"), "county": region("柘城县"),
            "neighbour": region("南街村", "起台镇"), "elsewhere": region("宁陵县")}


def test_every_level_has_a_page_and_unknown_codes_are_404(client, places):
    assert client.get("/regions/").status_code == 200
    assert f'href="/regions/{COUNTY}"' in client.get("/regions/").get_data(as_text=True)
    for code in (COUNTY, TOWNSHIP, VILLAGE):
        assert client.get(f"/regions/{code}").status_code == 200, code
    city = client.get("/regions/411400")
    assert city.status_code == 302 and city.headers["Location"].endswith("/regions/")
    for code in ("999999999999", "410000", "110101", "abc", "4114241022031",  # unknown, province, another city
                 "\u0664\u0661\u0661\u0664\u0662\u0664", "４１１４２４"):  # digits, but not ASCII ones
        assert client.get(f"/regions/{code}").status_code == 404, code
        assert client.get(f"/regions/{code}").status_code == 404, code  # the same once it was asked
    for page in ("-3", "0", "abc", "1e9", str(10**12)):  # out of range or not a number: a page, never an error
        assert client.get(f"/regions/{COUNTY}?page={page}").status_code == 200, page


def test_breadcrumb_and_the_county_page_order(client, places):
    html = client.get(f"/regions/{VILLAGE}").get_data(as_text=True)
    crumbs = html[html.index('class="breadcrumbs"'):html.index("</nav>", html.index('class="breadcrumbs"'))]
    assert [p for p in ("商丘市", "柘城县", "起台镇", "王庄村") if p in crumbs] == ["商丘市", "柘城县", "起台镇", "王庄村"]
    assert f'href="/regions/{TOWNSHIP}"' in crumbs and f'href="/regions/{COUNTY}"' in crumbs
    county = client.get(f"/regions/{COUNTY}").get_data(as_text=True)
    assert county.index("一县一品") < county.index("乡镇和村") < county.index("本地生产者")
    assert "三樱椒" in county and f'href="/regions/{VILLAGE}"' in county and f'href="/regions/{TOWNSHIP}"' in county
    township = client.get(f"/regions/{TOWNSHIP}").get_data(as_text=True)
    assert f'href="/regions/{VILLAGE}"' in township
    english = client.get(f"/regions/{VILLAGE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wangzhuang" in english and "Qitai" in english


def test_blocks_show_the_rows_of_the_region_and_below(client, places, make_shop, make_product):
    here = make_shop(name="王庄村辣椒户", region=places["village"])
    there = make_shop(name="宁陵梨园", region=places["elsewhere"])
    make_product(here, title="王庄三樱椒 干椒", origin=places["village"])
    make_product(there, title="宁陵酥梨 一箱", origin=places["elsewhere"])
    supply_post(here, places["village"], "王庄村新椒 20 吨")
    price("chili-sanying", "朝天椒（三樱椒）", "柘城县辣椒大市场", 2200, places["county"])
    price("watermelon", "西瓜", "柘城县辣椒大市场", 260)
    for code in (VILLAGE, TOWNSHIP, COUNTY):
        html = client.get(f"/regions/{code}").get_data(as_text=True)
        assert "王庄村辣椒户" in html and "王庄三樱椒 干椒" in html and "王庄村新椒 20 吨" in html, code
        assert "宁陵梨园" not in html and "宁陵酥梨" not in html, code
        assert "朝天椒（三樱椒）" in html and "22.00" in html, code  # the county's 一县一品 matched
        assert ">西瓜<" not in html, code
    neighbour = client.get(f"/regions/{places['neighbour'].code}").get_data(as_text=True)
    assert "王庄三樱椒" not in neighbour and "王庄村新椒" not in neighbour


def test_a_column_of_its_own_decides_which_prices_show(client, places, make_user, login):
    price("garlic", "大蒜", "柘城县辣椒大市场", 760)
    price("chili-sanying", "朝天椒（三樱椒）", "柘城县辣椒大市场", 2200)
    _db.session.add(RegionColumn(region_id=places["village"].id, specialties="大蒜、小麦", text="蒜薹和蒜头"))
    _db.session.commit()
    html = client.get(f"/regions/{VILLAGE}").get_data(as_text=True)
    assert "大蒜" in html and "7.60" in html and "朝天椒（三樱椒）" not in html and "蒜薹和蒜头" in html


def _post(client, code, **data):
    files = data.pop("photos", None)
    form = {"specialties": "三樱椒、大蒜", "text": "王庄村种椒三十年。", **data}
    if files is not None:
        form["photos"] = files
    return client.post(f"/regions/{code}/column", data=form, content_type="multipart/form-data")


def test_clerk_scope(client, places, make_user, login):
    clerk = make_user(name="王小梅")
    grant_clerk(clerk, places["village"])
    login(clerk)
    assert client.get(f"/regions/{VILLAGE}/column").status_code == 200
    for code in (places["neighbour"].code, TOWNSHIP, COUNTY, places["elsewhere"].code):
        assert client.get(f"/regions/{code}/column").status_code == 404, code
        assert _post(client, code).status_code == 404, code
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(RegionColumn)) == 0
    assert "编辑专栏" in client.get(f"/regions/{VILLAGE}").get_data(as_text=True)
    assert "编辑专栏" not in client.get(f"/regions/{places['neighbour'].code}").get_data(as_text=True)
    assert client.get("/regions/columns/mine").headers["Location"].endswith(f"/regions/{VILLAGE}/column")


def test_a_township_clerk_keeps_its_villages_and_an_officer_everything(client, places, make_user, login):
    township_clerk = make_user()
    grant_clerk(township_clerk, places["township"])
    login(township_clerk)
    for code in (TOWNSHIP, VILLAGE, places["neighbour"].code):
        assert client.get(f"/regions/{code}/column").status_code == 200, code
    other_village = region("北关村") or region("城关村")
    for code in (COUNTY, other_village.code):
        assert client.get(f"/regions/{code}/column").status_code == 404, code
    client.get("/account/logout")
    officer = make_user(roles=(Role.AGRICULTURE_OFFICER,))
    login(officer)
    assert _post(client, COUNTY, specialties="三樱椒、金刚石").status_code == 302


def test_buyers_get_403_and_visitors_the_login(client, places, make_user, login):
    anonymous = client.get(f"/regions/{VILLAGE}/column")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    login(make_user())
    assert client.get(f"/regions/{VILLAGE}/column").status_code == 403
    assert _post(client, VILLAGE).status_code == 403
    assert client.get("/regions/columns/mine").status_code == 403


def test_a_clerk_saves_text_and_a_photo_and_the_history_says_who(client, app, places, make_user, login):
    clerk = make_user(name="王小梅")
    grant_clerk(clerk, places["village"])
    login(clerk)
    exif_jpeg = image_bytes("JPEG")
    response = _post(client, VILLAGE, photos=[(io.BytesIO(exif_jpeg), "field.jpg")])
    assert response.status_code == 302
    column = _db.session.scalar(sa.select(RegionColumn).where(RegionColumn.region_id == places["village"].id))
    assert column.text == "王庄村种椒三十年。" and column.updated_by_id == clerk.id
    photo = _db.session.scalar(sa.select(RegionPhoto))
    assert photo.key.endswith(".webp") and photo.created_by_id == clerk.id
    media = client.get("/media/" + photo.thumb_key)
    assert media.status_code == 200 and media.headers["Content-Type"] == "image/webp"
    media.close()
    html = client.get(f"/regions/{VILLAGE}").get_data(as_text=True)
    assert "王庄村种椒三十年。" in html and photo.thumb_key in html and "王小梅" in html
    # remove the photo, change the text: two history rows, newest first on the editor
    assert _post(client, VILLAGE, text="新的介绍", remove=str(photo.id)).status_code == 302
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(RegionPhoto)) == 0
    html = client.get(f"/regions/{VILLAGE}").get_data(as_text=True)  # the page's kept copy went with the edit
    assert "新的介绍" in html and "王庄村种椒三十年。" not in html and photo.thumb_key not in html
    changes = list(_db.session.scalars(sa.select(RegionColumnChange).order_by(RegionColumnChange.id)))
    assert [(c.actor_id, c.photos_added, c.photos_removed) for c in changes] == [(clerk.id, 1, 0), (clerk.id, 0, 1)]
    assert "修改记录" in client.get(f"/regions/{VILLAGE}/column").get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({"text": "长" * 2001}, "text", "最多 2000 个字"),
    ({"specialties": "椒" * 201}, "specialties", "最多 200 个字"),
    ({"photos": [(io.BytesIO(b"<?php echo 1; ?>"), "evil.png")]}, "photos", "不是支持的图片"),
    ({"photos": [(io.BytesIO(image_bytes()), f"p{n}.png") for n in range(7)]}, "photos", "最多 6 张"),
    ({"remove": "999999"}, "photos", "要删除的照片不存在"),
])
def test_bad_input_is_refused_and_changes_nothing(client, places, make_user, login, data, field, message):
    clerk = make_user()
    grant_clerk(clerk, places["village"])
    login(clerk)
    response = _post(client, VILLAGE, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'id="{field}-error"' in html
    for model in (RegionColumn, RegionPhoto, RegionColumnChange):
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_control_characters_are_refused(client, app, places, make_user, login):
    from marketplace.regions import columns

    clerk = make_user()
    grant_clerk(clerk, places["village"])
    login(clerk)
    assert _post(client, VILLAGE, text="好\x00坏").status_code == 400  # NUL: the whole request is refused
    for specialties, text in (("三樱椒\x07", "好"), ("三樱椒", "好\x1b[31m"), ("三樱椒\n大蒜", "好"), ("椒", "好\u2028坏")):
        with pytest.raises(columns.ColumnError) as refused:
            columns.save(places["village"], clerk, specialties=specialties, text=text)
        assert "控制字符" in refused.value.message
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(RegionColumn)) == 0


def test_block_panels_take_a_panel_a_list_or_nothing_in_order(app):
    from flask import Flask

    from marketplace.domains import Panel, add_blocks, block_panels

    other = Flask("blocks")
    add_blocks(other, "region", lambda view: Panel("b.html", order=30))
    add_blocks(other, "region", lambda view: None)
    add_blocks(other, "region", lambda view: [Panel("c.html", order=40), Panel("a.html", order=10)])
    assert [p.template for p in block_panels(other, "region", object())] == ["a.html", "b.html", "c.html"]
    assert block_panels(other, "nothing") == []
    # the real app: catalog, sourcing and prices contribute; the shell itself imports none of them
    assert len(app.extensions["page_blocks"]["region"]) == 3
    from pathlib import Path

    import marketplace.regions.pages as pages

    source = Path(pages.__file__).read_text(encoding="utf-8")
    assert not any(f"from {d}" in source or f"import {d}" in source for d in ("catalog", "sourcing", "prices"))


def test_the_townships_and_villages_are_kept_per_language_until_the_tree_changes(client, places):
    """The county's list of townships and villages is rendered once per region and language
    (marketplace.regions.pages._below_html): a renamed village shows at once, in each language."""
    chinese = client.get(f"/regions/{COUNTY}").get_data(as_text=True)
    english = client.get(f"/regions/{COUNTY}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "王庄村" in chinese and "Wangzhuang" in english  # English after Chinese: the language is in the key
    with count_statements(_db.engine) as warm:
        client.get(f"/regions/{COUNTY}")
    village = places["village"]
    village.name, village.name_en = "王庄新村", "Wangzhuang New Village"
    _db.session.commit()
    with count_statements(_db.engine) as after_change:
        assert "王庄新村" in client.get(f"/regions/{COUNTY}").get_data(as_text=True)
    assert len(after_change) > len(warm)  # the list was kept, and is read again once the tree changed
    assert "Wangzhuang New Village" in client.get(f"/regions/{COUNTY}", headers={"Accept-Language": "en"}).get_data(as_text=True)
