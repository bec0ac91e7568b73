"""Merchant pages: the editor round trip, status buttons, stock, import/export, and 404 for other shops."""

from __future__ import annotations

import io

import pytest

from catalog.models import Product, ProductStatus, StockMovement
from tests.catalog.catalog_helpers import png_bytes


def editor_form(category_id, **extra):
    data = {"title": "宁陵金顶谢花酥梨", "subtitle": "皮薄多汁", "category": str(category_id), "origin": "0",
            "attributes": "品种=金顶谢花酥梨\n等级=特级", "certifications": ["gi"], "description": "**甜**",
            "v-0-id": "", "v-0-name": "5kg 箱装", "v-0-unit": "箱", "v-0-price": "45.00", "v-0-stock": "80",
            "v-0-moq": "2", "v-0-step": "1", "v-0-weight": "5000",
            "v-0-t0-qty": "10", "v-0-t0-price": "42.00", "v-0-t1-qty": "50", "v-0-t1-price": "39.50",
            "v-0-t2-qty": "", "v-0-t2-price": "",
            "v-1-id": "", "v-1-name": "散装", "v-1-unit": "斤", "v-1-price": "4.50", "v-1-stock": "1000",
            "v-1-moq": "100", "v-1-step": "50", "v-1-weight": "",
            "v-2-id": "", "v-2-name": "", "v-2-unit": "", "v-2-price": "", "v-2-stock": "", "v-2-moq": "1",
            "v-2-step": "1"}
    data.update(extra)
    return data


def test_editor_creates_product_with_two_variants_and_tiers(db, client, login, owner, category):
    login(owner)
    page = client.get("/merchant/products/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="v-0-name"' in html and 'name="v-1-name"' in html  # empty rows without JS
    response = client.post("/merchant/products/new", data=editor_form(category.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    product = db.session.scalar(db.select(Product))
    assert product.status == ProductStatus.DRAFT and product.certifications == ["gi"]
    assert [(v.name, v.price_cents, v.stock, v.moq, v.step) for v in product.variants] == [
        ("5kg 箱装", 4500, 80, 2, 1), ("散装", 450, 1000, 100, 50)]
    assert [(t.min_quantity, t.unit_price_cents) for t in product.variants[0].tiers] == [(10, 4200), (50, 3950)]
    edit = client.get(f"/merchant/products/{product.id}/edit").get_data(as_text=True)
    assert 'value="42.00"' in edit and "金顶谢花酥梨" in edit
    assert client.post(f"/merchant/products/{product.id}/status", data={"status": "published"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.PUBLISHED


def test_refused_status_move_goes_back_with_the_reason_in_words(db, client, login, owner, make_product):
    """A move the table refuses (draft -> hidden) flashes the reason, with the state in words, on the
    page the button was on; nothing changes."""
    product = make_product(status=ProductStatus.DRAFT)
    login(owner)
    page = f"http://localhost/merchant/products/{product.id}/edit"
    response = client.post(f"/merchant/products/{product.id}/status", data={"status": "hidden"},
                           headers={"Referer": page})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/merchant/products/{product.id}/edit")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "当前状态（草稿）不允许这个操作" in html and "draft" not in html.split("当前状态")[1][:20]
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT


def test_editor_shows_row_errors_and_saves_nothing(db, client, login, owner, category):
    login(owner)
    data = editor_form(category.id, **{"v-1-t0-qty": "5", "v-1-t0-price": "9.00", "v-0-price": "abc"})
    response = client.post("/merchant/products/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "金额格式不正确" in html and "不能高于前一档" in html
    assert 'value="宁陵金顶谢花酥梨"' in html  # what was typed is kept
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0


def test_edit_keeps_stock_and_drops_removed_variant(db, client, login, owner, make_product, category):
    product = make_product()
    login(owner)
    v = product.variants[0]
    data = editor_form(category.id, **{"v-0-id": str(v.id), "v-0-stock": "999", "v-1-name": "", "v-1-price": ""})
    response = client.post(f"/merchant/products/{product.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.variants[0].stock == 100 and product.variants[0].price_cents == 4500


def test_stock_adjustment_page(db, client, login, owner, make_product):
    product = make_product()
    login(owner)
    v = product.variants[0]
    r = client.post(f"/merchant/products/{product.id}/stock", data={"variant": v.id, "delta": "-500", "reason": "盘点"})
    assert "库存不能为负数" in r.get_data(as_text=True)
    r = client.post(f"/merchant/products/{product.id}/stock", data={"variant": v.id, "delta": "-30", "reason": "盘点"})
    assert r.status_code == 302
    page = client.get(f"/merchant/products/{product.id}/stock").get_data(as_text=True)
    assert "盘点" in page and "-30" in page
    db.session.expire_all()
    assert db.session.scalar(db.select(StockMovement.delta).order_by(StockMovement.id.desc()).limit(1)) == -30


def test_list_filters_duplicate_and_delete(db, client, login, owner, make_product):
    a = make_product(title="甲商品")
    make_product(title="乙商品", status=ProductStatus.DRAFT)
    login(owner)
    html = client.get("/merchant/products?status=draft").get_data(as_text=True)
    assert "乙商品" in html and "甲商品" not in html
    assert client.post(f"/merchant/products/{a.id}/duplicate").status_code == 302
    assert client.post(f"/merchant/products/{a.id}/delete").status_code == 302
    html = client.get("/merchant/products?status=deleted").get_data(as_text=True)
    assert "甲商品" in html
    assert client.get(f"/merchant/products/{a.id}/edit").status_code == 404


def test_import_preview_then_confirm_and_export(db, client, login, owner, categories):
    login(owner)
    csv_text = ("product_code,title,category,variant,unit,price,stock\n"
                "A1,永城面粉 特一粉,农产品/粮油,25kg 袋,袋,95.00,300\n"
                "A1,永城面粉 特一粉,,5kg 袋,袋,21.00,100\n")
    r = client.post("/merchant/products/import", data={"csv_file": (io.BytesIO(csv_text.encode("gbk")), "a.csv")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert "检查通过" in html and db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0
    import re

    token = re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)
    r = client.post("/merchant/products/import/confirm", data={"token": token})
    assert r.status_code == 303 and "/merchant/products/import/runs/" in r.location
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 1  # the job ran after the request
    page = client.get(r.location).get_data(as_text=True)
    assert "导入完成" in page and "新建 1 个商品" in page and "新建 2 个规格" in page
    # a double submit shows the same run and imports nothing twice
    again = client.post("/merchant/products/import/confirm", data={"token": token})
    assert again.location == r.location
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 1
    export = client.get("/merchant/products/export.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "永城面粉 特一粉" in export.get_data().decode("utf-8-sig")


def test_import_errors_are_shown_per_row(db, client, login, owner, categories):
    login(owner)
    csv_text = "product_code,title,category,variant,unit,price\nA1,面粉,农产品/粮油,25kg,坨,abc\n"
    html = client.post("/merchant/products/import", data={"csv_file": (io.BytesIO(csv_text.encode()), "a.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "发现 2 个问题" in html and "未知的单位" in html and "金额格式不正确" in html


def test_foreign_import_token_is_useless(db, client, login, make_shop, owner, categories):
    other = make_shop(name="别家")
    login(other.members[0].user)
    csv_text = "product_code,title,category,variant,unit,price\nA1,面粉,农产品/粮油,25kg,袋,1.00\n"
    html = client.post("/merchant/products/import", data={"csv_file": (io.BytesIO(csv_text.encode()), "a.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    import re

    token = re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)
    client.post("/account/logout")
    login(owner)
    client.post("/merchant/products/import/confirm", data={"token": token})
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0


@pytest.fixture
def foreign(make_shop, make_product, db):
    """A product of another shop, with a photo, and the current shop's owner ready to log in."""
    from catalog.images import add_image

    other = make_shop(name="隔壁店")
    product = make_product(the_shop=other)
    image = add_image(product, png_bytes())
    return product, image


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/merchant/products/{p}/edit"), ("post", "/merchant/products/{p}/edit"),
    ("post", "/merchant/products/{p}/status"), ("post", "/merchant/products/{p}/duplicate"),
    ("post", "/merchant/products/{p}/delete"), ("get", "/merchant/products/{p}/stock"),
    ("post", "/merchant/products/{p}/stock"), ("get", "/merchant/products/{p}/photos"),
    ("post", "/merchant/products/{p}/photos"), ("post", "/merchant/products/{p}/photos/{i}/primary"),
    ("post", "/merchant/products/{p}/photos/{i}/up"), ("post", "/merchant/products/{p}/photos/{i}/delete"),
])
def test_other_shops_products_are_404(db, client, login, owner, foreign, method, path):
    product, image = foreign
    login(owner)
    url = path.format(p=product.id, i=image.id)
    response = getattr(client, method)(url, data={"status": "hidden", "variant": product.variants[0].id,
                                                  "delta": "-1", "reason": "x", "title": "hack"})
    assert response.status_code == 404
    db.session.expire_all()
    fresh = db.session.get(Product, product.id)
    assert fresh.status == ProductStatus.PUBLISHED and fresh.deleted_at is None and fresh.title != "hack"
    assert len(fresh.images) == 1 and fresh.variants[0].stock == 100


def test_own_photo_id_under_own_product_only(db, client, login, owner, make_product, foreign):
    _, foreign_image = foreign
    mine = make_product()
    login(owner)
    assert client.post(f"/merchant/products/{mine.id}/photos/{foreign_image.id}/delete").status_code == 404


def test_merchant_pages_need_a_shop(db, client, login, make_user, categories):
    login(make_user())
    assert client.get("/merchant/products").status_code == 403
    client.post("/account/logout")
    assert client.get("/merchant/products").status_code in (302, 401)


def test_pending_shop_cannot_list_products(db, client, login, make_shop):
    from marketplace.shops.models import ShopStatus

    pending = make_shop(status=ShopStatus.PENDING)
    login(pending.members[0].user)
    assert client.get("/merchant/products/new").status_code == 403


def test_csrf_required_on_merchant_forms(csrf_app, make_shop, db):
    from catalog.categories import load_categories

    load_categories()
    shop = make_shop()
    client = csrf_app.test_client()
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post("/account/login", data={"email": shop.members[0].user.email, "password": "correct horse 42",
                                        "csrf_token": token})
    response = client.post("/merchant/products/new", data={"title": "x"})
    assert response.status_code == 400


def test_editor_rows_parse_errors_and_empty_rows(app):
    from catalog import editor
    from marketplace import money

    form = {"v-0-name": "a", "v-0-price": "", "v-0-moq": "x", "v-0-t0-qty": "5", "v-0-t0-price": "",
            "v-0-t1-qty": "", "v-0-t1-price": "bad", "v-2-name": "", "v-2-price": "",
            "v-3-id": "7", "v-3-name": "b", "v-3-price": "1.00", "v-3-stock": "5", "v-3-t0-qty": "10",
            "v-3-t0-price": "0.90"}
    rows, indices, raw_rows, errors = editor.parse_rows(form)
    with pytest.raises(money.MoneyError) as bad_price:
        money.parse_amount("bad")
    assert indices == [0, 2] and len(raw_rows) == 3  # v-2 has neither name nor price: shown again, not parsed
    assert errors == {0: ["请填写单价", "每一档阶梯都要填写数量（整数）和单价", str(bad_price.value), "“x”不是整数"]}
    assert rows[0] == {"id": None, "name": "a", "unit": "", "price_cents": -1, "moq": 1, "step": 1,
                       "weight_grams": None, "tiers": [], "stock": 0}
    assert rows[1] == {"id": 7, "name": "b", "unit": "", "price_cents": 100, "moq": 1, "step": 1,
                       "weight_grams": None, "tiers": [(10, 90)]}  # an existing variant's stock is not taken
    assert [len(raw["tiers"]) for raw in raw_rows] == [3, 3, 3]
