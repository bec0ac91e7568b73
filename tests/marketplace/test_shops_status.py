"""The shop status machine: every move allowed or refused, reasons, history, e-mails, edits."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from marketplace.db import atomic
from marketplace.mail.models import OutboxMessage
from marketplace.shops.models import ShopStatus, ShopStatusChange
from marketplace.shops.services import SHOP_STATES, set_shop_status, update_shop
from marketplace.shops.validation import ShopError
from marketplace.states import InvalidTransition
from tests.marketplace.shop_helpers import png_bytes, upload, uscc

P, A, R, S, C = ShopStatus.PENDING, ShopStatus.APPROVED, ShopStatus.REJECTED, ShopStatus.SUSPENDED, ShopStatus.CLOSED
ALLOWED = {(P, A), (P, R), (R, P), (A, S), (S, A), (A, C), (S, C)}
ALL_PAIRS = list(itertools.product(ShopStatus, ShopStatus))


def mails(db):
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def history(db, shop):
    return list(db.session.scalars(sa.select(ShopStatusChange).where(ShopStatusChange.shop_id == shop.id)
                                   .order_by(ShopStatusChange.id)))


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", roles=("admin",))


def test_the_table_is_exactly_the_documented_one():
    assert {(a, b) for a, b in ALL_PAIRS if SHOP_STATES.can(a, b)} == ALLOWED


@pytest.mark.parametrize("current, target", sorted(ALLOWED))
def test_allowed_moves(db, make_shop, admin, current, target):
    shop = make_shop(status=current)
    change = set_shop_status(shop, target, admin, reason="营业执照照片看不清")
    db.session.expire_all()
    assert shop.status == target
    assert (change.from_status, change.to_status, change.actor_id) == (current, target, admin.id)
    assert [(h.from_status, h.to_status) for h in history(db, shop)] == [(current, target)]
    assert len(mails(db)) == 1


@pytest.mark.parametrize("current, target", [p for p in ALL_PAIRS if p not in ALLOWED])
def test_refused_moves_change_nothing(db, make_shop, admin, current, target):
    shop = make_shop(status=current)
    with pytest.raises(InvalidTransition):
        set_shop_status(shop, target, admin, reason="原因")
    db.session.rollback()
    db.session.expire_all()
    assert shop.status == current
    assert history(db, shop) == [] and mails(db) == []


@pytest.mark.parametrize("current, target", [(P, R), (A, S), (A, C)])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_and_suspend_need_a_reason(db, make_shop, admin, current, target, reason):
    shop = make_shop(status=current)
    with pytest.raises(ShopError) as info:
        set_shop_status(shop, target, admin, reason)
    assert "reason" in info.value.errors
    db.session.rollback()
    assert shop.status == current and history(db, shop) == []


def test_approval_sets_approved_at_once_and_clears_the_reason(db, make_shop, admin):
    shop = make_shop(status=P)
    set_shop_status(shop, A, admin)
    first = shop.approved_at
    assert first is not None and shop.status_reason is None
    set_shop_status(shop, S, admin, "多次被投诉以次充好")
    assert shop.status_reason == "多次被投诉以次充好"
    set_shop_status(shop, A, admin)
    assert shop.approved_at == first and shop.status_reason is None


def test_owner_is_emailed_in_his_locale_with_the_reason(db, make_shop, make_user, admin):
    owner = make_user(email="owner@example.com", locale="en")
    shop = make_shop(status=P, owner=owner, name="宁陵酥梨园")
    set_shop_status(shop, R, admin, "执照已过期")
    (mail,) = mails(db)
    assert mail.to_addr == "owner@example.com" and mail.locale == "en" and mail.template == "shop_status"
    assert "执照已过期" in mail.body_text
    assert "宁陵酥梨园" in mail.subject
    assert "/shops/application" in mail.body_text


def test_chinese_owner_gets_chinese_mail(db, make_shop, make_user, admin):
    owner = make_user(locale="zh_CN")
    shop = make_shop(status=P, owner=owner)
    set_shop_status(shop, A, admin)
    (mail,) = mails(db)
    assert mail.locale == "zh_CN" and "已开通" in mail.subject and f"/shops/{shop.slug}" in mail.body_text


def test_inside_a_callers_transaction_the_caller_decides(db, make_shop, admin):
    shop = make_shop(status=P)
    with pytest.raises(RuntimeError), atomic():
        set_shop_status(shop, A, admin)
        raise RuntimeError("the caller's later step fails")
    db.session.expire_all()
    assert shop.status == P and history(db, shop) == [] and mails(db) == []


def test_target_may_be_a_string(db, make_shop, admin):
    shop = make_shop(status=P)
    set_shop_status(shop, "approved", admin)
    assert shop.status == A


# --- owner edits -----------------------------------------------------------------------------

def test_editing_a_rejected_shop_sends_it_back_to_pending(db, make_shop, make_user, admin):
    owner = make_user()
    shop = make_shop(status=P, owner=owner, licence_number=uscc())
    set_shop_status(shop, R, admin, "地址不详细")
    update_shop(shop, {"address": "起台镇北街村 18 号（村委会东 100 米）"}, owner)
    db.session.expire_all()
    assert shop.status == P and shop.status_reason is None
    assert [h.to_status for h in history(db, shop)] == [R, P]
    assert history(db, shop)[-1].actor_id == owner.id


def test_approved_shop_cannot_change_its_licence_or_type(db, make_shop, make_user):
    owner = make_user()
    shop = make_shop(status=A, owner=owner)
    before = (shop.licence_number, shop.shop_type)
    update_shop(shop, {"licence_number": "411424100012345", "shop_type": "farmer", "name": "新名字"}, owner)
    assert (shop.licence_number, shop.shop_type) == before
    assert shop.name == "新名字" and shop.status == A
    with pytest.raises(ShopError) as info:
        update_shop(shop, {}, owner, licence_file=upload(png_bytes()))
    assert "licence_image" in info.value.errors


def test_bad_edit_changes_nothing(db, make_shop, make_user):
    owner = make_user()
    shop = make_shop(status=A, owner=owner, name="原名")
    with pytest.raises(ShopError) as info:
        update_shop(shop, {"name": "新名", "phone": "123"}, owner)
    assert set(info.value.errors) == {"phone"}
    db.session.rollback()
    db.session.expire_all()
    assert shop.name == "原名"


# --- pages -----------------------------------------------------------------------------------

def test_application_page_shows_the_rejection_reason_and_history(client, db, make_shop, make_user, login, admin):
    owner = make_user()
    shop = make_shop(status=P, owner=owner)
    set_shop_status(shop, R, admin, "营业执照照片看不清，请重新拍摄")
    login(owner)
    html = client.get("/shops/application").get_data(as_text=True)
    assert "未通过" in html and "营业执照照片看不清，请重新拍摄" in html
    assert "审核记录" in html and "/merchant/shop" in html


def test_resubmitting_through_the_edit_form(client, db, make_shop, make_user, login, admin):
    from tests.marketplace.shop_helpers import region_id

    owner = make_user()
    shop = make_shop(status=P, owner=owner)
    set_shop_status(shop, R, admin, "地址不详细")
    login(owner)
    assert client.get("/merchant/shop").status_code == 200
    data = {"name": shop.name, "shop_type": "enterprise", "market_name": "", "stall_number": "",
            "region_id": str(region_id("胡襄镇")), "address": "胡襄镇政府路 6 号", "phone": "0370-7123456",
            "licence_number": "411424100012345", "description": ""}
    response = client.post("/merchant/shop", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert shop.status == P and shop.region.name == "胡襄镇" and shop.licence_number == "411424100012345"


def test_pending_owner_cannot_use_staff_pages(client, make_shop, make_user, login):
    owner = make_user()
    make_shop(status=P, owner=owner)
    login(owner)
    assert client.get("/merchant/staff").status_code == 403
    dashboard = client.get("/merchant")
    assert dashboard.status_code == 200 and "审核中" in dashboard.get_data(as_text=True)
