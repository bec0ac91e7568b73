"""Issue 12, finding 12 (shop, orders, payments): a suspended shop still sees its data and fulfils
and refunds the orders it already has, but cannot change its profile, logo, delivery rules or
payment settings, open a payout account or take on staff. Refused in the services."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.shops import staff as staff_svc
from marketplace.shops.models import ShopInvite, ShopMember, ShopStatus
from marketplace.shops.services import set_shop_status, update_shop
from marketplace.shops.validation import ShopError
from orders import services as orders
from orders.models import OrderStatus, ShopDeliveryRule
from payments import payouts
from payments.models import Refund, ShopPaymentSettings
from tests.marketplace.shop_helpers import png_bytes
from tests.orders.conftest import pick

SUSPENDED = "店铺已被暂停"


@pytest.fixture
def stripe_keys():
    return False


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"])


def _suspend(shop, admin):
    set_shop_status(shop, ShopStatus.SUSPENDED, admin, "售卖过期食品")
    db.session.commit()


def _post_from_page(client, url: str, data: dict, **kw) -> str:
    response = client.post(url, data=data, headers={"Referer": f"http://localhost{url}"}, follow_redirects=True, **kw)
    return response.get_data(as_text=True)


def test_a_suspended_shop_fulfils_and_refunds_its_existing_orders(make_group, make_variant, login, client, admin):
    variant = make_variant(price=1500, stock=10)
    group = make_group(items=[(variant, 4)])
    order = group.orders[0]
    owner = order.shop.members[0].user
    login(group.buyer)
    client.post(f"/payments/group/{group.id}/offline", data={"method": "cash"})
    client.post("/account/logout")
    _suspend(order.shop, admin)
    login(owner)
    assert client.get("/merchant/orders").status_code == 200
    assert client.get(f"/merchant/orders/{order.id}").status_code == 200
    assert client.get("/merchant/payments").status_code == 200
    for step in ("paid", "accept", "ready", "delivered"):
        assert client.post(f"/merchant/orders/{order.id}/{step}").status_code == 302, step
        db.session.expire_all()
    assert db.session.get(type(order), order.id).status == OrderStatus.DELIVERED
    line = order.lines[0]
    response = client.post(f"/merchant/orders/{order.id}/refund",
                           data={f"qty-{line.id}": "1", "reason": "破损", "restock": "y"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_the_owner_of_a_suspended_shop_cannot_edit_its_profile(client, login, make_shop, make_user, admin):
    """The finding as reported: the profile form of a suspended shop saved the new name."""
    owner = make_user()
    shop = make_shop(owner=owner, name="睢县鞋业")
    _suspend(shop, admin)
    login(owner)
    client.post("/merchant/shop", data={"name": "改名鞋业", "address": "新地址 1 号", "phone": "0370-1234567",
                                        "region_id": str(shop.region_id), "description": "新的介绍"})
    db.session.expire_all()
    assert (shop.name, shop.address) == ("睢县鞋业", "城关镇人民路 1 号")


def test_a_suspended_shop_cannot_change_its_public_face_or_settings(client, login, make_shop, make_user, admin,
                                                                  regions):
    owner = make_user()
    shop = make_shop(owner=owner, name="睢县鞋业")
    worker = make_user(email="worker@example.com")
    _invite, token = staff_svc.invite_staff(shop, worker.email, owner)
    db.session.commit()
    _suspend(shop, admin)
    login(owner)
    assert client.get("/merchant/shop").status_code == 200  # he may read his profile
    assert client.get("/merchant/staff").status_code == 200
    form = {"name": "改名鞋业", "address": "新地址 1 号", "phone": "0370-1234567", "region_id": str(shop.region_id),
            "description": "新的介绍", "market_name": "", "stall_number": ""}
    assert SUSPENDED in _post_from_page(client, "/merchant/shop", form)
    assert SUSPENDED in _post_from_page(client, "/merchant/shop", {**form, "name": shop.name,
                                                                   "logo": (io.BytesIO(png_bytes()), "logo.png")},
                                        content_type="multipart/form-data")
    assert SUSPENDED in _post_from_page(client, "/merchant/delivery", {
        "delivery_enabled": "y", "zone_region": pick(shop.region), "new-fee_mode": "flat", "new-fee": "50.00",
        "new-free_above": "", "pickup_enabled": "y", "pickup_address": "别处", "pickup_hours": ""})
    assert SUSPENDED in _post_from_page(client, "/merchant/payments/settings", {
        "accepts_bank_transfer": "y", "bank_name": "某银行", "account_name": "某人", "account_number": "6200000000"})
    assert SUSPENDED in _post_from_page(client, "/merchant/staff/invite", {"email": "helper@example.com"})
    db.session.expire_all()
    assert (shop.name, shop.description, shop.logo_image) == ("睢县鞋业", "", None)
    assert db.session.scalar(sa.select(ShopDeliveryRule)) is None
    assert db.session.scalar(sa.select(ShopPaymentSettings)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShopInvite)) == 1
    with pytest.raises(ShopError, match=SUSPENDED):  # the invitation sent before cannot bring anyone in now
        staff_svc.accept_invite(token, worker)
    assert db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == worker.id)) is None


def test_the_shop_services_refuse_a_suspended_shop_whoever_calls(make_shop, make_user, admin, regions):
    owner = make_user()
    shop = make_shop(owner=owner)
    staff = make_user()
    db.session.add(ShopMember(shop_id=shop.id, user=staff, role="shop_staff"))
    db.session.commit()
    _suspend(shop, admin)
    refusals = [
        lambda: update_shop(shop, {"description": "新的介绍"}, owner),
        lambda: staff_svc.invite_staff(shop, "helper@example.com", owner),
        lambda: orders.save_delivery_rule(shop, delivery_enabled=True, zones=[orders.ZoneSpec(shop.region)],
                                          pickup_enabled=True, pickup_address="", pickup_hours=""),
        lambda: payouts.save_settings(shop, {"accepts_cash": "y"}),
        lambda: payouts.onboarding_link(shop, owner.email, "https://x/r", "https://x/s"),
    ]
    for refused in refusals:
        with pytest.raises(ShopError) as caught:
            refused()
        assert caught.value.code == "shop_suspended"
    # taking people off a suspended shop stays possible
    member = db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == staff.id))
    staff_svc.remove_staff(shop, member, owner)
    db.session.commit()
    assert db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == staff.id)) is None
