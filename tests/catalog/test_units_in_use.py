"""Every way a merchant gives a variant its unit takes any active unit of the table, by code or alias,
and refuses an unknown or disabled one with a message; a disabled unit stays on the variants that
have it. Prices per kg and per 斤 where the weight is known, and unit names in the reader's language."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from catalog.csv_io import import_csv
from catalog.models import Product, Unit, Variant
from marketplace.accounts import services as accounts
from tests.catalog.catalog_helpers import variant_row
from tests.catalog.test_csv_import import make_csv, row
from tests.catalog.test_merchant_pages import editor_form


def disable(db, code: str) -> None:
    db.session.scalar(sa.select(Unit).where(Unit.code == code)).active = False
    db.session.commit()


def variants(db) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(v.name, v.unit) for v in db.session.scalars(sa.select(Variant).order_by(Variant.id))]


# --- the editor -------------------------------------------------------------------------------------

def test_the_editor_offers_the_units_grouped_by_kind(db, client, login, owner, category):
    login(owner)
    html = client.get("/merchant/products/new").get_data(as_text=True)
    select = html.split('id="v-0-unit"')[1].split("</select>")[0]
    assert re.findall(r'<optgroup label="([^"]+)"', select) == ["重量", "计数", "包装", "容量", "长度"]
    assert '<option value="筐">筐</option>' in select and '<option value="kg">千克（kg）</option>' in select
    client.post("/language", data={"locale": "en"})
    english = client.get("/merchant/products/new").get_data(as_text=True).split('id="v-0-unit"')[1]
    assert '<optgroup label="Package">' in english and '<option value="筐">basket</option>' in english


@pytest.mark.parametrize(("posted", "stored"), [("筐", "筐"), ("KG", "kg"), ("升", "升"), ("枚", "枚")])
def test_the_editor_accepts_any_active_unit(db, client, login, owner, category, posted, stored):
    login(owner)
    response = client.post("/merchant/products/new", data=editor_form(category.id, **{"v-0-unit": posted}))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert variants(db)[0] == ("5kg 箱装", stored)


@pytest.mark.parametrize(("posted", "message"), [("坨", "未知的单位“坨”"), ("", "请选择单位")])
def test_the_editor_refuses_an_unknown_unit_beside_its_row(db, client, login, owner, category, posted, message):
    login(owner)
    response = client.post("/merchant/products/new", data=editor_form(category.id, **{"v-0-unit": posted}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html.split('id="v-0-error"')[1][:300]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_a_disabled_unit_stays_on_its_variant_but_is_not_offered_for_new_ones(db, client, login, owner, category,
                                                                             make_product):
    product = make_product(variants=[variant_row(name="整筐", unit="筐", tiers=())])
    disable(db, "筐")
    login(owner)
    page = client.get(f"/merchant/products/{product.id}/edit").get_data(as_text=True)
    first, second = page.split('id="v-0-unit"')[1], page.split('id="v-1-unit"')[1]
    assert 'value="筐" selected data-inactive>筐（已停用）' in first.split("</select>")[0]
    assert 'value="筐"' not in second.split("</select>")[0]
    variant = product.variants[0]
    keep = {"title": product.title, "category": str(product.category_id), "origin": "0",
            "v-0-id": str(variant.id), "v-0-name": "整筐", "v-0-unit": "筐", "v-0-price": "12.00", "v-0-moq": "1",
            "v-0-step": "1"}
    saved = client.post(f"/merchant/products/{product.id}/edit", data={**keep, "v-0-price": "13.00"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    refused = client.post(f"/merchant/products/{product.id}/edit", data={
        **keep, "v-1-id": "", "v-1-name": "半筐", "v-1-unit": "筐", "v-1-price": "7.00", "v-1-stock": "5"})
    assert "已停用" in refused.get_data(as_text=True).split('id="v-1-error"')[1][:200]
    assert variants(db) == [("整筐", "筐")]


# --- the CSV import ---------------------------------------------------------------------------------

def test_the_import_accepts_units_and_aliases_and_refuses_unknown_ones(db, shop, owner, categories):
    report = import_csv(shop, owner, make_csv([row(unit="筐"), row(variant="整吨", unit="T"), row(variant="礼盒", unit="盒")]))
    assert report.ok, report.errors
    assert variants(db) == [("5kg 袋装", "筐"), ("整吨", "吨"), ("礼盒", "盒")]
    bad = import_csv(shop, owner, make_csv([row(code="ZC-2", unit="坨"), row(code="ZC-3", unit="坨")]))
    assert [(e.row, e.column) for e in bad.errors] == [(2, "unit"), (3, "unit")]
    assert "未知的单位“坨”" in bad.errors[0].message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1


def test_the_import_keeps_a_disabled_unit_on_its_variant_only(db, shop, owner, categories):
    assert import_csv(shop, owner, make_csv([row(unit="筐")])).ok
    disable(db, "筐")
    again = import_csv(shop, owner, make_csv([row(unit="筐", price="160.00")]))
    assert again.ok, again.errors
    refused = import_csv(shop, owner, make_csv([row(unit="筐"), row(variant="半筐", unit="筐"),
                                                row(code="NEW-1", unit="筐")]))
    assert [(e.row, e.column) for e in refused.errors] == [(3, "unit"), (4, "unit")]
    assert "已停用" in refused.errors[0].message
    assert variants(db) == [("5kg 袋装", "筐")]


# --- the merchant API -------------------------------------------------------------------------------

@pytest.fixture
def erp(app, shop, owner, categories):
    _row, token = accounts.create_token(owner, "ERP", ["read", "merchant"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def post(body, path=""):
        return client.post(f"/api/v1/shops/{shop.id}/products{path}", json=body, headers=headers)

    return post


def product_body(unit: str) -> dict:
    return {"title": "宁陵酥梨", "category_code": "agri.fruit",
            "variants": [{"name": "整筐", "unit": unit, "price_cents": 9000, "stock": 5}]}


@pytest.mark.parametrize(("unit", "stored"), [("筐", "筐"), ("T", "吨"), ("ＫＧ", "kg"), ("头", "头")])
def test_the_api_accepts_units_by_code_or_alias_and_answers_the_code(db, erp, unit, stored):
    made = erp(product_body(unit))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["variants"][0]["unit"] == stored


def test_the_api_refuses_unknown_and_disabled_units_with_the_field(db, erp):
    unknown = erp(product_body("坨"))
    assert unknown.status_code == 400
    error = unknown.get_json()["error"]
    assert error["field"] == "variants.0.unit" and "坨" in error["message"] and "/api/v1/units" in error["message"]
    disable(db, "筐")
    disabled = erp(product_body("筐"))
    assert disabled.status_code == 400 and "已停用" in disabled.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_the_unit_list_endpoint(db, client):
    body = client.get("/api/v1/units", headers={"Accept-Language": "en"}).get_json()
    by_code = {u["code"]: u for u in body["items"]}
    assert by_code["斤"] == {"code": "斤", "name": "jin", "name_zh": "斤", "name_en": "jin", "kind": "weight",
                             "kind_label": "Weight", "factor": 500, "aliases": ["市斤"]}
    assert by_code["筐"]["factor"] is None and by_code["筐"]["kind_label"] == "Package"
    disable(db, "筐")
    assert "筐" not in {u["code"] for u in client.get("/api/v1/units").get_json()["items"]}


def test_the_openapi_document_describes_the_unit(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    unit = spec["components"]["schemas"]["VariantCreate"]["properties"]["unit"]
    assert "/api/v1/units" in unit["description"] and "enum" not in unit
    assert "/api/v1/units" in spec["paths"]


# --- prices per kg and per 斤, and names, on the pages ------------------------------------------------

def test_the_product_page_shows_prices_per_kg_and_per_jin(db, client, make_product):
    product = make_product(variants=[
        variant_row(name="整筐 15 公斤", unit="筐", price=9000, weight_grams=15_000, tiers=((10, 8400),)),
        variant_row(name="散装", unit="斤", price=350, tiers=()),
        variant_row(name="整件", unit="kg", price=700, tiers=()),
        variant_row(name="礼盒", unit="盒", price=5000, tiers=())])
    html = client.get(f"/p/{product.id}").get_data(as_text=True)
    cards = html.split('class="card variant"')[1:]
    assert "¥90.00</strong> / 筐" in cards[0] and "（约 ¥6.00/kg，¥3.00/斤）" in cards[0]
    assert "折合每千克" in cards[0] and "折合每斤" in cards[0] and "¥5.60" in cards[0] and "¥2.80" in cards[0]
    assert "（约 ¥7.00/kg）" in cards[1] and "/斤）" not in cards[1]  # a price per 斤 is its own per 斤
    assert "（约 ¥3.50/斤）" in cards[2] and "/kg" not in cards[2]
    assert "约" not in cards[3]  # a box of unknown weight: no figure
    client.post("/language", data={"locale": "en"})
    english = client.get(f"/p/{product.id}").get_data(as_text=True).split('class="card variant"')[1:]
    assert "/ basket" in english[0] and "(about CN¥6.00/kg, CN¥3.00/jin)" in english[0] and "10 basket" in english[0]
    assert "/ jin" in english[1] and "Per jin" in english[0]


def test_cards_show_the_cheapest_price_per_kg_without_reading_variants(db, client, make_product):
    product = make_product(title="宁陵酥梨", variants=[
        variant_row(name="整筐", unit="筐", price=9000, weight_grams=15_000, tiers=()),
        variant_row(name="散装", unit="斤", price=350, tiers=())])
    assert product.min_price_per_kg_cents == 600
    html = client.get("/c/agri.fruit").get_data(as_text=True)
    assert "折合 ¥6.00/kg · ¥3.00/斤 起" in html
    client.post("/language", data={"locale": "en"})
    assert "from CN¥6.00/kg · CN¥3.00/jin" in client.get("/c/agri.fruit").get_data(as_text=True)
    boxes = make_product(title="礼盒", variants=[variant_row(unit="盒", tiers=())])
    assert boxes.min_price_per_kg_cents is None


def test_the_product_api_names_the_unit_and_gives_the_price_per_jin(db, client, make_product):
    product = make_product(variants=[variant_row(unit="筐", price=9000, weight_grams=15_000, tiers=())])
    variant = client.get(f"/api/v1/products/{product.id}", headers={"Accept-Language": "en"}).get_json()["variants"][0]
    assert (variant["unit"], variant["unit_name"]) == ("筐", "basket")
    assert (variant["price_per_kg_cents"], variant["price_per_jin_cents"]) == (600, 300)
