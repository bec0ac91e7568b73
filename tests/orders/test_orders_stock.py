"""One in-stock rule (catalog.models.Variant.sellable: active and at least the moq in stock) for the
listing flag, the product page, the API and stock moved by orders: a variant whose stock falls below
its 起批量 is out of stock everywhere at once, and back in when a cancellation brings it up again."""

from __future__ import annotations

from catalog.models import Product, Variant
from marketplace.extensions import db
from orders import services


def test_below_the_moq_is_out_of_stock_in_the_listing_the_page_and_the_api(client, make_user, make_variant,
                                                                           user_cart, place):
    variant = make_variant(stock=12, moq=5, direct=False)
    product_id = variant.product_id
    buyer = make_user()
    group = place(buyer, user_cart(buyer, [(variant, 8)]))  # 4 left: fewer than anyone may order
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 4
    assert db.session.get(Product, product_id).in_stock is False
    body = client.get(f"/api/v1/products/{product_id}").get_json()
    assert body["in_stock"] is False and all(v["in_stock"] is False for v in body["variants"])
    page = client.get(f"/p/{product_id}").get_data(as_text=True)
    assert "缺货" in page

    services.cancel_by_buyer(group.orders[0], buyer, "买错了")  # 12 again
    db.session.expire_all()
    assert db.session.get(Product, product_id).in_stock is True
    assert client.get(f"/api/v1/products/{product_id}").get_json()["in_stock"] is True
