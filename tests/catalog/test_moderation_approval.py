"""Categories that need approval: the admin marks them; new listings there (and products moved there)
wait for his approval on 上架; he approves or rejects with a reason (mailed); the merchant API and the
CSV import follow the same rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.categories import find_category, set_category_approval
from catalog.models import Category, Product, ProductStatus
from catalog.services import moderation as mod
from catalog.services import set_status, update_product
from marketplace.accounts import services as accounts
from marketplace.admin.models import AuditEntry
from marketplace.mail.models import OutboxMessage
from marketplace.states import InvalidTransition

S = ProductStatus


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


@pytest.fixture
def fruit(category, admin):
    """农产品/水果, marked "requires approval"."""
    return set_category_approval(category, admin, True)


def fresh(db, product_id: int) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product_id)


def fields_of(product: Product, **changes) -> dict:
    return {"title": product.title, "subtitle": product.subtitle, "description": product.description,
            "code": product.code, "category": product.category, "origin": product.origin,
            "attributes": product.attributes, "certifications": product.certifications, **changes}


def test_admin_marks_a_category_audited(db, client, login, admin, owner, categories):
    cat = find_category("农产品/茶酒饮品")
    login(owner)
    assert client.post(f"/admin/categories/{cat.id}/approval_on").status_code == 403
    client.post("/account/logout")
    login(admin)
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "上架需审核" in page
    client.post(f"/admin/categories/{cat.id}/approval_on")
    assert db.session.get(Category, cat.id).requires_approval is True
    assert "需审核" in client.get("/admin/categories").get_data(as_text=True)
    client.post(f"/admin/categories/{cat.id}/approval_off")
    db.session.expire_all()
    assert db.session.get(Category, cat.id).requires_approval is False
    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "category")
                                      .order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["category.approval_on", "category.approval_off"]
    assert entries[0].before["requires_approval"] is False and entries[0].after["requires_approval"] is True


def test_publishing_waits_for_approval_then_goes_public(db, client, login, admin, owner, fruit, make_product):
    product = make_product(title="宁陵酥梨", status=S.DRAFT)
    login(owner)
    editor = client.get(f"/merchant/products/{product.id}/edit").get_data(as_text=True)
    assert "提交审核" in editor
    client.post(f"/merchant/products/{product.id}/status", data={"status": "published"})
    assert fresh(db, product.id).status == S.PENDING
    assert "待平台审核" in client.get("/merchant/products").get_data(as_text=True)
    # pending: not public, and asking again is refused
    client.post("/account/logout")
    assert client.get(f"/p/{product.id}").status_code == 404
    with pytest.raises(Exception) as info:
        set_status(fresh(db, product.id), S.PUBLISHED, owner)
    assert getattr(info.value, "code", "") == "pending_approval"

    login(admin)
    html = client.get("/admin/products?status=pending").get_data(as_text=True)
    assert "宁陵酥梨" in html
    client.post(f"/admin/products/{product.id}/approve")
    approved = fresh(db, product.id)
    assert approved.status == S.PUBLISHED and approved.approved_category_id == fruit.id
    assert approved.published_at is not None
    client.post("/account/logout")
    assert client.get(f"/p/{product.id}").status_code == 200
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == owner.email)))
    assert [m.subject for m in mails] == ["您的商品已审核通过：宁陵酥梨"]
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_type == "product")) == "product.approve"

    # approved once in its category: taken off sale and listed again, it needs no second approval
    set_status(fresh(db, product.id), S.HIDDEN, owner)
    set_status(fresh(db, product.id), S.PUBLISHED, owner)
    assert fresh(db, product.id).status == S.PUBLISHED


def test_reject_with_a_reason_then_resubmit(db, client, login, admin, owner, fruit, make_product):
    product = make_product(title="进口车厘子")
    assert product.status == S.PENDING  # the factory's 上架 waited
    login(admin)
    client.post(f"/admin/products/{product.id}/reject", data={"reason": ""})
    assert fresh(db, product.id).status == S.PENDING
    client.post(f"/admin/products/{product.id}/reject", data={"reason": "缺少检疫证明"})
    rejected = fresh(db, product.id)
    assert rejected.status == S.REJECTED and rejected.moderation_note == "缺少检疫证明"
    [mail] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == owner.email))
    assert "未通过" in mail.subject and "缺少检疫证明" in mail.body_text
    client.post("/account/logout")
    login(owner)
    editor = client.get(f"/merchant/products/{product.id}/edit").get_data(as_text=True)
    assert "缺少检疫证明" in editor and "提交审核" in editor
    client.post(f"/merchant/products/{product.id}/status", data={"status": "published"})
    resubmitted = fresh(db, product.id)
    assert resubmitted.status == S.PENDING and resubmitted.moderation_note is None


def test_only_a_pending_product_is_approved_or_rejected(db, admin, make_product):
    product = make_product()
    with pytest.raises(InvalidTransition):
        mod.approve_product(product, admin)
    with pytest.raises(InvalidTransition):
        mod.reject_product(product, admin, "x")
    assert fresh(db, product.id).status == S.PUBLISHED


def test_moving_a_listed_product_into_the_category_makes_it_wait(db, owner, admin, categories, make_product):
    product = make_product(category="农产品/干货调料")
    assert product.status == S.PUBLISHED
    fruit = set_category_approval(find_category("农产品/水果"), admin, True)
    # an edit that keeps the category changes nothing (products listed before the mark stay listed)
    update_product(product, owner, fields_of(product, title="干辣椒 新货"))
    assert fresh(db, product.id).status == S.PUBLISHED
    update_product(fresh(db, product.id), owner, fields_of(fresh(db, product.id), category=fruit))
    assert fresh(db, product.id).status == S.PENDING


def test_a_mark_on_a_parent_covers_its_children(db, admin, categories, make_product):
    set_category_approval(find_category("农产品"), admin, True)
    assert make_product(category="农产品/水果").status == S.PENDING
    assert make_product(category="工业品/有色金属").status == S.PUBLISHED


def test_the_api_publishes_to_pending_and_refuses_a_hidden_product(app, db, admin, shop, owner, fruit,
                                                                   make_product):
    _row, token = accounts.create_token(owner, "ERP", ["read", "merchant"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/shops/{shop.id}/products"
    draft = make_product(status=S.DRAFT)
    body = client.post(f"{base}/{draft.id}/publish", headers=headers).get_json()
    assert (body["status"], body["status_label"], body["moderation_reason"]) == ("pending", "待平台审核", None)
    assert client.post(f"{base}/{draft.id}/publish", headers=headers).status_code == 409
    mod.reject_product(fresh(db, draft.id), admin, "图片不清楚")
    body = client.get(f"{base}/{draft.id}", headers=headers).get_json()
    assert (body["status"], body["moderation_reason"]) == ("rejected", "图片不清楚")
    assert client.get(f"{base}?status=rejected", headers=headers).get_json()["total"] == 1

    listed = make_product(category="工业品/有色金属")
    mod.hide_product(listed, admin, "假冒品牌")
    refused = client.post(f"{base}/{listed.id}/publish", headers=headers)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "product_blocked" and "假冒品牌" in error["message"]
    assert client.post(f"{base}/{listed.id}/hide", headers=headers).get_json()["error"]["code"] == "product_blocked"
    body = client.get(f"{base}/{listed.id}", headers=headers).get_json()
    assert (body["status"], body["moderation_reason"]) == ("blocked", "假冒品牌")
    assert fresh(db, listed.id).status == S.BLOCKED


def test_csv_import_waits_for_approval_and_leaves_a_hidden_product_hidden(db, admin, shop, owner, fruit,
                                                                          make_product):
    from catalog.csv_io import import_csv

    hidden = make_product(code="P-HIDDEN", category="工业品/有色金属")
    mod.hide_product(hidden, admin, "违规")
    data = ("product_code,title,category,variant,unit,price,stock\n"
            "P-NEW,新疆香梨,农产品/水果,5斤装,箱,30.00,10\n"
            "P-HIDDEN,铝锭,工业品/有色金属,1吨,吨,18900.00,5\n").encode()
    report = import_csv(shop, owner, data)
    assert report.errors == []
    new = db.session.scalar(sa.select(Product).where(Product.code == "P-NEW"))
    assert new.status == S.PENDING
    assert fresh(db, hidden.id).status == S.BLOCKED and fresh(db, hidden.id).title == "铝锭"
