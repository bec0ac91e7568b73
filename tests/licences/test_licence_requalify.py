"""Listings that stop qualifying for the licence guard are taken off sale: the admin adds a licence
requirement to a category (its listings on sale here and below whose shop lacks the licence are
hidden with the reason, audited, the owner told in his language), and a published product is moved
into a licensed category (the editor page and the merchant API)."""

from __future__ import annotations

import sqlalchemy as sa


def _audits(db, action, product_id=None):
    from marketplace.admin.models import AuditEntry

    stmt = sa.select(AuditEntry).where(AuditEntry.action == action)
    if product_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(product_id))
    return list(db.session.scalars(stmt))


def _form(product, category_id) -> dict:
    v = product.variants[0]
    return {"title": product.title, "subtitle": "", "category": str(category_id), "origin": "0", "attributes": "",
            "description": "", "v-0-id": str(v.id), "v-0-name": v.name, "v-0-unit": v.unit, "v-0-price": "10.00",
            "v-0-stock": str(v.stock), "v-0-moq": "1", "v-0-step": "1", "v-0-weight": ""}


def test_a_new_requirement_takes_the_unlicensed_listings_off_sale(client, login, db, seeds, make_user, make_shop,
                                                                  make_product, make_licence):
    from catalog.categories import find_category
    from catalog.models import ProductStatus
    from licences.models import LicenceType
    from marketplace.mail.models import OutboxMessage
    from marketplace.notifications.models import Notification

    inputs, pesticide = find_category("农资"), find_category("农资/农药")
    texted = make_user(mobile="+8613900000088", locale="en")
    bare, licensed = make_shop(owner=texted), make_shop()
    make_licence(licensed, kind=LicenceType.PESTICIDE)
    unlicensed = make_product(bare, category=pesticide, title="吡虫啉")
    kept = make_product(licensed, category=pesticide, title="高效氯氰菊酯")
    machine = make_product(bare, category=find_category("农资/农机"), title="喷雾器")
    admin = make_user(roles=("admin",))
    login(admin)
    response = client.post("/admin/licences/categories", data={"category": inputs.id, "licence_type": "pesticide"},
                           follow_redirects=True)
    assert "已下架并通知店铺的在售商品：2" in response.get_data(as_text=True)  # 农药 and 农机 of the bare shop
    db.session.expire_all()
    assert unlicensed.status == machine.status == ProductStatus.HIDDEN
    assert kept.status == ProductStatus.PUBLISHED
    assert "农药经营许可证" in unlicensed.moderation_note
    audits = _audits(db, "product.withdraw")
    assert sorted(int(a.object_id) for a in audits) == sorted([unlicensed.id, machine.id])
    assert {a.actor_id for a in audits} == {admin.id}
    notices = db.session.scalars(sa.select(Notification).where(Notification.type_key == "catalog.moderation")).all()
    assert sorted(n.user_id for n in notices) == [texted.id, texted.id]
    texts = [m for m in db.session.scalars(sa.select(OutboxMessage)) if m.template.endswith("product_withdrawn")]
    assert sorted(m.to_addr for m in texts) == ["+8613900000088"] * 2 and {m.locale for m in texts} == {"en"}
    assert "no longer meets" in texts[0].body_text
    # removing the requirement (or saving it again) withdraws nothing more
    client.post("/admin/licences/categories", data={"category": inputs.id, "licence_type": "pesticide"})
    client.post("/admin/licences/categories", data={"category": inputs.id})
    assert len(_audits(db, "product.withdraw")) == 2
    # the shop gets the licence: it puts the listing back on sale, the reason gone
    from catalog.services import publish

    client.post("/admin/licences/categories", data={"category": inputs.id, "licence_type": "pesticide"})
    make_licence(bare, kind=LicenceType.PESTICIDE)
    publish(unlicensed, texted)
    db.session.expire_all()
    assert unlicensed.status == ProductStatus.PUBLISHED and unlicensed.moderation_note is None


def test_the_service_refuses_nothing_and_withdraws_nothing_when_no_type_is_added(db, seeds, make_user, make_shop,
                                                                                  make_product):
    from catalog.models import ProductStatus
    from licences.services import set_requirements

    product = make_product(make_shop(), category=seeds, direct=True)  # on sale before the rule (written directly)
    assert product.status == ProductStatus.PUBLISHED
    assert set_requirements(seeds, ["seed"], make_user(roles=("admin",))) == []  # already required: not asked again
    db.session.commit()
    db.session.expire_all()
    assert product.status == ProductStatus.PUBLISHED


def test_moving_a_published_product_into_a_licensed_category(app, client, login, db, seeds, seed_shop, make_shop,
                                                            make_product, make_licence):
    from catalog.models import ProductStatus
    from marketplace.accounts import services as accounts

    # the editor page
    product = make_product(seed_shop, category="农产品/蔬菜", title="辣椒苗")
    login(seed_shop.members[0].user)
    response = client.post(f"/merchant/products/{product.id}/edit", data=_form(product, seeds.id))
    assert response.status_code == 302
    db.session.expire_all()
    assert product.status == ProductStatus.HIDDEN and "种子生产经营许可证" in product.moderation_note
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "withdrawn-reason" in page and "种子生产经营许可证" in page
    assert len(_audits(db, "product.withdraw", product.id)) == 1
    # the API; a shop holding the licence keeps its listing on sale
    licensed = make_shop()
    make_licence(licensed)
    for shop, expected in ((make_shop(), "hidden"), (licensed, "published")):
        moved = make_product(shop, category="农产品/蔬菜")
        _row, token = accounts.create_token(shop.members[0].user, "ERP", ["read", "merchant"])
        body = app.test_client().patch(f"/api/v1/shops/{shop.id}/products/{moved.id}", json={"category_code": seeds.code},
                                       headers={"Authorization": f"Bearer {token}"}).get_json()
        assert body["status"] == expected, body
        assert (body["moderation_reason"] is not None) == (expected == "hidden")
