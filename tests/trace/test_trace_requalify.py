"""Listings that stop qualifying for the certificate guard are taken off sale: a published product
moved into a category that requires a 承诺达标合格证 (the editor page and the merchant API), and the
listings on sale when the admin marks their category (or one above it) as requiring certificates.
Hidden, with the reason shown to the merchant, audited; the owner is told when the admin acted."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db


def _form(product, category_id) -> dict:
    v = product.variants[0]
    return {"title": product.title, "subtitle": "", "category": str(category_id), "origin": "0", "attributes": "",
            "description": "", "v-0-id": str(v.id), "v-0-name": v.name, "v-0-unit": v.unit, "v-0-price": "10.00",
            "v-0-stock": str(v.stock), "v-0-moq": "1", "v-0-step": "1", "v-0-weight": ""}


def _audits(action, product_id=None):
    from marketplace.admin.models import AuditEntry

    stmt = sa.select(AuditEntry).where(AuditEntry.action == action)
    if product_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(product_id))
    return list(db.session.scalars(stmt))


def _notices(user_id):
    from marketplace.notifications.models import Notification

    return list(db.session.scalars(sa.select(Notification).where(Notification.type_key == "catalog.moderation",
                                                                 Notification.user_id == user_id)))


def test_moving_a_published_product_into_a_certificate_category_takes_it_off_sale(
        client, login, certified_category, make_shop, make_product, record, on_sale):
    from catalog.categories import find_category
    from catalog.models import ProductStatus, ProductStatusChange

    shop = make_shop()
    owner = shop.members[0].user
    product = make_product(shop, title="宁陵酥梨 散装", category="农产品/蔬菜")
    assert product.status == ProductStatus.PUBLISHED
    login(owner)
    response = client.post(f"/merchant/products/{product.id}/edit", data=_form(product, certified_category.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert product.category_id == certified_category.id and product.status == ProductStatus.HIDDEN
    assert "承诺达标合格证" in product.moderation_note
    note = db.session.scalar(sa.select(ProductStatusChange.note).where(
        ProductStatusChange.product_id == product.id, ProductStatusChange.to_status == ProductStatus.HIDDEN))
    assert note == product.moderation_note
    [audit] = _audits("product.withdraw", product.id)
    assert audit.actor_id == owner.id and audit.before["status"] == "published" and audit.after["status"] == "hidden"
    assert _notices(owner.id) == []  # his own edit: the page tells him
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "withdrawn-reason" in page and "商品已下架" in page and "承诺达标合格证" in page
    assert "下架原因" in client.get("/merchant/products").get_data(as_text=True)
    # moving back and forth within categories without the mark changes nothing
    other = make_product(shop, title="大葱", category="农产品/蔬菜")
    client.post(f"/merchant/products/{other.id}/edit", data=_form(other, find_category("农产品/粮油").id))
    db.session.expire_all()
    assert other.status == ProductStatus.PUBLISHED and _audits("product.withdraw", other.id) == []
    # a certified batch with stock: back on sale, the reason gone (its 100 units on hand are the opening batch)
    record(product.variants[0], 100, opening=True)
    on_sale(product.variants[0])
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED and product.moderation_note is None


def test_the_api_move_is_taken_off_sale_with_the_reason(app, certified_category, make_shop, make_product):
    from catalog.models import ProductStatus
    from marketplace.accounts import services as accounts

    shop = make_shop()
    product = make_product(shop, category="农产品/蔬菜")
    _row, token = accounts.create_token(shop.members[0].user, "ERP", ["read", "merchant"])
    response = app.test_client().patch(f"/api/v1/shops/{shop.id}/products/{product.id}",
                                       json={"category_code": certified_category.code},
                                       headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "hidden" and "承诺达标合格证" in body["moderation_reason"]
    db.session.expire_all()
    assert product.status == ProductStatus.HIDDEN and len(_audits("product.withdraw", product.id)) == 1


def test_marking_a_category_takes_its_listings_without_certified_stock_off_sale(
        client, login, make_user, certified_category, make_shop, make_product, traced_variant, record, on_sale):
    from catalog.categories import find_category
    from catalog.models import Category, ProductStatus
    from marketplace.mail.models import OutboxMessage

    owner = make_user(email="veg@example.com", locale="en")
    veg_shop = make_shop(owner=owner)
    cabbage = make_product(veg_shop, title="大白菜", category="农产品/蔬菜")
    draft = make_product(veg_shop, title="韭菜", category="农产品/蔬菜", status=ProductStatus.DRAFT)
    pears = traced_variant(make_shop())  # certified stock in 水果 (below 农产品)
    record(pears, 40)
    on_sale(pears)
    admin = make_user(roles=("admin",))
    agri = find_category("农产品")
    login(admin)
    response = client.post(f"/admin/categories/{agri.id}/certificate_on", follow_redirects=True)
    assert response.status_code == 200
    assert "已下架并通知店铺的在售商品：1" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Category, agri.id).requires_certificate
    assert cabbage.status == ProductStatus.HIDDEN and "承诺达标合格证" in cabbage.moderation_note
    assert draft.status == ProductStatus.DRAFT and pears.product.status == ProductStatus.PUBLISHED
    [audit] = _audits("product.withdraw")
    assert audit.object_id == str(cabbage.id) and audit.actor_id == admin.id
    assert len(_audits("category.certificate_on")) == 1
    [notice] = _notices(owner.id)
    assert '"withdrawn"' in notice.params
    mails = [m for m in db.session.scalars(sa.select(OutboxMessage)) if m.template == "product_moderation"]
    assert [m.to_addr for m in mails] == ["veg@example.com"] and mails[0].locale == "en"
    assert "大白菜" in mails[0].body_text and "no longer meets" in mails[0].body_text
    # turning the mark off (and on again) withdraws nothing more
    client.post(f"/admin/categories/{agri.id}/certificate_off")
    client.post(f"/admin/categories/{agri.id}/certificate_on")
    assert len(_audits("product.withdraw")) == 1
