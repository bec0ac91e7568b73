"""Issue 12, finding 12 (catalogue): a suspended shop sees its products but cannot change them,
publish them, add photos or import; taking a product off sale (hide, delete) and correcting stock
stay open. Refused in the services, whoever calls them, with one message in the user's language."""

from __future__ import annotations

import io

import pytest

from catalog import images
from catalog.csv_io import COLUMNS, import_csv
from catalog.models import Product, ProductImage, ProductStatus
from catalog.services import adjust_stock, create_product, duplicate_product, hide, publish, update_product
from marketplace.shops.models import ShopStatus
from marketplace.shops.services import set_shop_status
from marketplace.shops.validation import ShopError
from tests.catalog.catalog_helpers import png_bytes, variant_row
from tests.catalog.test_merchant_pages import editor_form

SUSPENDED = "店铺已被暂停"


@pytest.fixture
def suspended(db, shop, make_user):
    def suspend():
        set_shop_status(shop, ShopStatus.SUSPENDED, make_user(roles=["admin"]), "多次被投诉缺斤短两")
        db.session.commit()
        return shop

    return suspend


def _refused_page(client, url: str, data: dict, **kw) -> str:
    """POST from the page itself (as a browser does) and return the page the merchant ends on."""
    response = client.post(url, data=data, headers={"Referer": f"http://localhost{url}"}, follow_redirects=True, **kw)
    return response.get_data(as_text=True)


def test_the_product_routes_refuse_a_suspended_shop(db, client, login, owner, category, make_product, suspended):
    published = make_product(title="柘城三樱椒")
    hidden = hide(make_product(title="下架的辣椒"), owner)
    photo = images.add_image(published, png_bytes(), owner)
    db.session.commit()
    suspended()
    login(owner)
    assert client.get("/merchant/products").status_code == 200  # he still sees his catalogue
    assert client.get(f"/merchant/products/{published.id}/edit").status_code == 200
    count = db.session.scalar(db.select(db.func.count()).select_from(Product))

    assert SUSPENDED in _refused_page(client, "/merchant/products/new", editor_form(category.id))
    assert SUSPENDED in _refused_page(client, f"/merchant/products/{published.id}/edit",
                                      editor_form(category.id, title="改过的名字"))
    assert SUSPENDED in _refused_page(client, f"/merchant/products/{hidden.id}/status", {"status": "published"})
    assert SUSPENDED in _refused_page(client, f"/merchant/products/{published.id}/duplicate", {})
    assert SUSPENDED in _refused_page(client, f"/merchant/products/{published.id}/photos",
                                      {"photo": (io.BytesIO(png_bytes()), "a.png")}, content_type="multipart/form-data")
    assert SUSPENDED in _refused_page(client, f"/merchant/products/{published.id}/photos/{photo.id}/delete", {})
    csv_data = (",".join(COLUMNS) + "\r\nZC-9,新辣椒,农产品/水果,5kg,袋,10.00,5,1,1,,,,,,,published,\r\n").encode()
    assert SUSPENDED in _refused_page(client, "/merchant/products/import",
                                      {"csv_file": (io.BytesIO(csv_data), "a.csv")}, content_type="multipart/form-data")

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == count
    assert db.session.get(Product, published.id).title == "柘城三樱椒"
    assert db.session.get(Product, hidden.id).status == ProductStatus.HIDDEN
    assert db.session.scalar(db.select(db.func.count()).select_from(ProductImage)) == 1


def test_a_suspended_shop_may_take_products_off_sale_and_correct_stock(db, client, login, owner, make_product,
                                                                       suspended):
    first, second = make_product(), make_product()
    suspended()
    login(owner)
    assert client.post(f"/merchant/products/{first.id}/status", data={"status": "hidden"}).status_code == 302
    assert client.post(f"/merchant/products/{second.id}/delete").status_code == 302
    variant = first.variants[0]
    response = client.post(f"/merchant/products/{first.id}/stock",
                           data={"variant": str(variant.id), "delta": "-3", "reason": "破损"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, first.id).status == ProductStatus.HIDDEN
    assert db.session.get(Product, second.id).deleted_at is not None
    assert variant.stock == 97


def test_the_catalogue_services_refuse_a_suspended_shop_whoever_calls(db, shop, owner, category, make_product,
                                                                     suspended):
    product = hide(make_product(), owner)
    first = images.add_image(product, png_bytes(colour=(10, 200, 10)), owner)
    second = images.add_image(product, png_bytes(colour=(10, 10, 200)), owner)
    db.session.commit()
    photo = png_bytes()
    suspended()
    data = {"title": "新商品", "category": category}
    refusals = [
        lambda: create_product(shop, owner, data, [variant_row()]),
        lambda: update_product(product, owner, {**data, "title": "改名"}),
        lambda: publish(product, owner),
        lambda: duplicate_product(product, owner),
        lambda: images.add_image(product, photo, owner),
        lambda: images.set_primary(product, second, owner),
        lambda: images.delete_image(product, first, owner),
        lambda: import_csv(shop, owner, (",".join(COLUMNS) + "\r\n").encode(), dry_run=True),
    ]
    for refused in refusals:
        with pytest.raises(ShopError) as caught:
            refused()
        assert caught.value.code == "shop_suspended" and SUSPENDED in caught.value.message
    assert [img.id for img in sorted(product.images, key=lambda i: i.position)] == [first.id, second.id]
    adjust_stock(product.variants[0], 5, "到货", owner)  # stock bookkeeping goes on


def test_the_refusal_speaks_english_to_an_english_merchant(db, client, login, owner, category, suspended):
    owner.locale = "en"
    db.session.commit()
    suspended()
    login(owner)
    page = _refused_page(client, "/merchant/products/new", editor_form(category.id))
    assert "This shop is suspended" in page and SUSPENDED not in page
