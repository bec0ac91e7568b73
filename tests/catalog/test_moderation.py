"""Listing moderation by the admin: hide and restore with a reason (audited, mailed), the merchant cannot
publish a hidden product again, the product list's filters, 403 for others, 404 for unknown ids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import Product, ProductStatus, ProductStatusChange
from catalog.services import ProductBlocked, set_status
from catalog.services import moderation as mod
from marketplace.admin.models import AuditEntry
from marketplace.mail.models import OutboxMessage
from marketplace.states import InvalidTransition

S = ProductStatus


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",), name="平台管理员")


def fresh(db, product_id: int) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product_id)


def audit(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def mails_to(db, address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == address)
                                   .order_by(OutboxMessage.id)))


def test_hide_takes_the_listing_out_and_only_the_admin_restores_it(db, client, login, admin, owner, make_product):
    product = make_product(title="假冒名牌白酒")
    login(admin)
    done = client.post(f"/admin/products/{product.id}/hide", data={"reason": "涉嫌假冒注册商标"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/products/{product.id}")
    hidden = fresh(db, product.id)
    assert hidden.status == S.BLOCKED and hidden.moderation_note == "涉嫌假冒注册商标"
    [entry] = audit(db, "product.hide")
    assert entry.actor_id == admin.id and entry.object_id == str(product.id) and entry.note == "涉嫌假冒注册商标"
    assert entry.before["status"] == "published" and entry.after["status"] == "blocked"
    change = db.session.scalars(sa.select(ProductStatusChange).where(ProductStatusChange.product_id == product.id)
                               .order_by(ProductStatusChange.id.desc())).first()
    assert (change.from_status, change.to_status, change.actor_id, change.note) == (
        S.PUBLISHED, S.BLOCKED, admin.id, "涉嫌假冒注册商标")
    [mail] = mails_to(db, owner.email)
    assert product.title in mail.subject and "涉嫌假冒注册商标" in mail.body_text

    # the buyer's side: the page is gone, so is the shop page's entry
    client.post("/account/logout")
    assert client.get(f"/p/{product.id}").status_code == 404
    assert product.title not in client.get(f"/shops/{product.shop.slug}").get_data(as_text=True)

    # the merchant sees why, and cannot put it back on sale, by the page or the service
    login(owner)
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "已被平台下架" in page and "涉嫌假冒注册商标" in page and "加入采购车" not in page
    listing = client.get("/merchant/products").get_data(as_text=True)
    assert "已被平台下架" in listing and "涉嫌假冒注册商标" in listing
    editor = client.get(f"/merchant/products/{product.id}/edit").get_data(as_text=True)
    assert "您不能自行重新上架" in editor and 'value="published"' not in editor
    refused = client.post(f"/merchant/products/{product.id}/status", data={"status": "published"},
                          headers={"Referer": f"http://localhost/merchant/products/{product.id}/edit"})
    assert refused.status_code == 303
    assert fresh(db, product.id).status == S.BLOCKED
    assert "不能自行上架" in client.get(refused.headers["Location"]).get_data(as_text=True)
    with pytest.raises(ProductBlocked):
        set_status(fresh(db, product.id), S.PUBLISHED, owner)
    with pytest.raises(ProductBlocked):
        set_status(fresh(db, product.id), S.HIDDEN, owner)
    assert client.post(f"/merchant/products/{product.id}/duplicate").status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 1
    client.post("/account/logout")

    # restore: back on sale, reason required, audited and mailed
    login(admin)
    client.post(f"/admin/products/{product.id}/restore", data={"reason": "   "})
    assert fresh(db, product.id).status == S.BLOCKED
    client.post(f"/admin/products/{product.id}/restore", data={"reason": "商家已提供授权书"})
    restored = fresh(db, product.id)
    assert restored.status == S.PUBLISHED and restored.moderation_note is None
    assert len(audit(db, "product.restore")) == 1 and len(mails_to(db, owner.email)) == 2
    client.post("/account/logout")
    assert client.get(f"/p/{product.id}").status_code == 200


def off_sale(make_product, **kw) -> Product:
    """A product the merchant listed and took off sale (下架)."""
    product = make_product(**kw)
    return set_status(product, S.HIDDEN, product.shop.members[0].user)


def test_restore_goes_back_to_the_status_before_the_hide(db, admin, make_product):
    product = off_sale(make_product)
    mod.hide_product(product, admin, "图片涉嫌侵权")
    mod.restore_product(fresh(db, product.id), admin, "已更换图片")
    assert fresh(db, product.id).status == S.HIDDEN
    with pytest.raises(InvalidTransition):
        mod.restore_product(fresh(db, product.id), admin, "再恢复一次")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201, "原因\x07带控制字符"])
def test_a_hide_needs_a_short_clean_reason(db, admin, make_product, reason):
    product = make_product()
    with pytest.raises(mod.ModerationError) as info:
        mod.hide_product(product, admin, reason)
    assert info.value.field == "reason"
    assert fresh(db, product.id).status == S.PUBLISHED
    assert audit(db, "product.hide") == [] and db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_empty_reason_is_refused_in_the_admins_language(db, client, login, make_user, make_product):
    english_admin = make_user(roles=("admin",), locale="en")
    product = make_product()
    login(english_admin)
    client.post("/language", data={"locale": "en"})
    done = client.post(f"/admin/products/{product.id}/hide", data={"reason": ""}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Please give a reason" in text
    assert fresh(db, product.id).status == S.PUBLISHED


def test_mail_is_in_the_owners_language(db, admin, make_user, make_shop, make_product):
    owner = make_user(locale="en")
    shop = make_shop(owner=owner)
    product = make_product(the_shop=shop, title="三樱椒")
    mod.hide_product(product, admin, "禁售")
    [mail] = mails_to(db, owner.email)
    assert mail.subject.startswith("Your product has been taken down by the platform")
    assert "Reason: 禁售" in mail.body_text


@pytest.mark.parametrize("path", ["/admin/products", "/admin/products/{id}"])
def test_pages_are_admin_only(client, login, make_user, owner, make_product, path):
    product = make_product()
    url = path.format(id=product.id)
    assert client.get(url).status_code == 302  # to the login page
    login(owner)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("action", ["hide", "restore", "approve", "reject"])
def test_actions_are_admin_only(db, client, login, owner, make_product, action):
    product = make_product()
    login(owner)
    assert client.post(f"/admin/products/{product.id}/{action}", data={"reason": "x"}).status_code == 403
    assert fresh(db, product.id).status == S.PUBLISHED and audit(db, f"product.{action}") == []


def test_unknown_ids_are_404(client, login, admin):
    login(admin)
    assert client.get("/admin/products/999999").status_code == 404
    assert client.post("/admin/products/999999/hide", data={"reason": "x"}).status_code == 404
    assert client.post("/admin/reports/999999/dismiss").status_code == 404
    assert client.post("/admin/products/1/unknown", data={"reason": "x"}).status_code == 404


def test_a_deleted_product_cannot_be_moderated(db, admin, owner, make_product):
    from catalog.services import soft_delete

    product = make_product()
    soft_delete(product, owner)
    with pytest.raises(mod.ModerationError):
        mod.hide_product(fresh(db, product.id), admin, "违规")


def test_product_list_filters_and_detail(db, client, login, admin, shop, make_shop, make_product, make_user):
    other_shop = make_shop(name="永城铝业")
    on_sale = make_product(title="宁陵酥梨")
    draft = make_product(title="酥梨草稿", status=S.DRAFT)
    off = off_sale(make_product, title="下架的梨")
    ingot = make_product(title="电解铝锭", the_shop=other_shop, category="工业品/有色金属")
    blocked = make_product(title="违禁烟花", the_shop=other_shop)
    mod.hide_product(blocked, admin, "违禁品")
    buyer = make_user()
    mod.report_product(fresh(db, ingot.id), buyer, "misleading", "价格写错了")
    login(admin)

    def titles(**args):
        html = client.get("/admin/products", query_string=args).get_data(as_text=True)
        return {p.title for p in (on_sale, draft, off, ingot, blocked) if p.title in html}

    assert titles() == {"宁陵酥梨", "酥梨草稿", "下架的梨", "电解铝锭", "违禁烟花"}
    assert titles(shop=shop.id) == {"宁陵酥梨", "酥梨草稿", "下架的梨"}
    assert titles(status="on_sale") == {"宁陵酥梨", "电解铝锭"}
    assert titles(status="off_shelf") == {"酥梨草稿", "下架的梨"}
    assert titles(status="blocked") == {"违禁烟花"}
    assert titles(status="pending") == set() and titles(status="rejected") == set()
    assert titles(reported="1") == {"电解铝锭"}
    assert titles(category=ingot.category.parent_id) == {"电解铝锭"}  # a parent covers its children
    assert titles(q="酥梨") == {"宁陵酥梨", "酥梨草稿"}
    assert titles(status="nonsense", shop="x") == titles()
    # the detail: the listing, its history with the reason, its reports; a link to the public page
    html = client.get(f"/admin/products/{blocked.id}").get_data(as_text=True)
    assert "违禁品" in html and "已被平台下架" in html and "恢复商品" in html
    html = client.get(f"/admin/products/{ingot.id}").get_data(as_text=True)
    assert "价格写错了" in html and "价格或描述不实" in html and f'href="/p/{ingot.id}"' in html


def test_product_list_paginates(db, client, login, admin, make_product):
    from catalog.views.moderation import PER_PAGE

    for n in range(PER_PAGE + 1):
        make_product(title=f"批量商品{n:02d}", direct=True)
    login(admin)
    first = client.get("/admin/products").get_data(as_text=True)
    second = client.get("/admin/products?page=2").get_data(as_text=True)
    assert first.count("批量商品") == PER_PAGE and second.count("批量商品") == 1


def test_admin_sees_a_hidden_products_page_buyers_do_not(db, client, login, admin, make_user, make_product):
    product = make_product()
    mod.hide_product(product, admin, "违规")
    login(make_user())
    assert client.get(f"/p/{product.id}").status_code == 404
    client.post("/account/logout")
    login(admin)
    assert client.get(f"/p/{product.id}").status_code == 200


@pytest.mark.parametrize(("start", "target", "allowed"), [
    (S.DRAFT, S.PUBLISHED, True), (S.PUBLISHED, S.HIDDEN, True), (S.HIDDEN, S.PUBLISHED, True),
    (S.PUBLISHED, S.DRAFT, True), (S.PUBLISHED, S.PUBLISHED, False), (S.DRAFT, S.HIDDEN, False),
    (S.DRAFT, S.BLOCKED, False), (S.PUBLISHED, S.PENDING, False), (S.DRAFT, S.REJECTED, False),
])
def test_the_merchants_moves(db, owner, make_product, start, target, allowed):
    product = off_sale(make_product) if start == S.HIDDEN else make_product(status=start)
    if allowed:
        set_status(product, target, owner)
        assert fresh(db, product.id).status == target
    else:
        with pytest.raises(InvalidTransition):
            set_status(product, target, owner)
        assert fresh(db, product.id).status == start


def test_merchant_page_refuses_the_platforms_statuses(db, client, login, owner, make_product):
    product = make_product()
    login(owner)
    for status in ("blocked", "pending", "rejected", "nonsense"):
        assert client.post(f"/merchant/products/{product.id}/status", data={"status": status}).status_code == 400
    assert fresh(db, product.id).status == S.PUBLISHED
