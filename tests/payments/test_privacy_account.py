"""A user's data export and account deletion, on a buyer with the whole history: a completed delivery
order paid in cash (ledger rows), an address, an API token, an investment inquiry with an officer's
note, mail in the outbox. The deletion anonymises in one transaction; the scan afterwards finds his
e-mail and phone in no column of any table, orders and ledger are intact, and he cannot log in."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import ApiToken, User
from marketplace.admin.models import AuditEntry
from marketplace.db import atomic
from marketplace.extensions import db
from orders.models import Address, Order, OrderStatus
from payments.models import LedgerEntry

EMAIL = "zhang.sanfeng@example.com"
PHONE = "13912345678"
ADDRESS_PHONE = "13800138000"
INQUIRY_PHONE = "0370-6612345"
OTHER_EMAIL = "other.buyer@example.com"
OTHER_PHONE = "13700001111"
PASSWORD = "correct horse 42"


@pytest.fixture
def stripe_keys():
    return False


def county(name: str):
    from marketplace.regions.models import Region, RegionLevel

    return db.session.scalar(sa.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY))


def _order(buyer, variant, phone: str, *, complete: bool = True) -> Order:
    """A delivery order placed, paid in cash, shipped and (``complete``) received, through the services."""
    from orders import services
    from orders.models import Cart, CartLine
    from payments.services import choose_offline

    address = Address(user_id=buyer.id, recipient=buyer.name, phone=phone, region_id=county("柘城县").id,
                      street="城关镇人民路 8 号", is_default=True)
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(user_id=buyer.id)
    cart.lines.append(CartLine(variant_id=variant.id, quantity=2, price_seen_cents=variant.price_cents))
    db.session.add_all([address, cart])
    db.session.commit()
    group = services.place_order(cart, buyer, choices={variant.product.shop_id: "delivery"}, address_id=address.id,
                                 idempotency_key=services.new_idempotency_key(), note=f"到了打 {phone}")
    order = group.orders[0]
    if complete:
        owner = order.shop.members[0].user
        choose_offline(group, "cash")
        with atomic():
            services.mark_paid(order, owner, "现金")
        services.accept(order, owner)
        services.ship(order, owner, "顺丰", "SF1234567")
        services.confirm_receipt(order, buyer)
    return order


@pytest.fixture
def story(app, make_user, make_variant, make_shop):
    """The buyer (zhang), another buyer of the same shop, an officer's lead on zhang's inquiry."""
    from flask_login import AnonymousUserMixin

    from investment.models import Project, ProjectStatus
    from investment.services import leads
    from marketplace.accounts.services import create_token
    from marketplace.privacy.models import ConsentRecord

    zhang = make_user(email=EMAIL, name="张三丰")
    zhang.phone = PHONE
    db.session.add(ConsentRecord(user_id=zhang.id, policy_version=app.config["POLICY_VERSION"], source="register",
                                 ip_hash="0" * 32))
    db.session.commit()
    other = make_user(email=OTHER_EMAIL, name="李四")
    other.phone = OTHER_PHONE
    shop = make_shop(owner=make_user(email="owner.of.shop@example.com"), phone="13611112222")
    variant = make_variant(shop, price=1500, stock=50)
    order = _order(zhang, variant, ADDRESS_PHONE)
    _order(other, variant, OTHER_PHONE)
    with app.test_request_context():
        _row, token = create_token(zhang, "进货系统")
    officer = make_user(email="officer.wang@example.com", roles=("officer",))
    project = Project(code="SQ-T-1", title="辣椒深加工", sector="agri-processing", region_id=county("柘城县").id,
                      status=ProjectStatus.PUBLISHED)
    db.session.add(project)
    db.session.commit()
    with app.test_request_context():
        inquiry = leads.create_inquiry(project, AnonymousUserMixin(), {
            "name": "张三丰", "company": "三丰食品", "phone": INQUIRY_PHONE, "email": EMAIL,
            "message": f"请回电 {INQUIRY_PHONE}"})
    inquiry.user_id = zhang.id
    db.session.commit()
    leads.log_activity(officer, inquiry, "call", f"打了 {PHONE}，约下周见")
    db.session.commit()
    return {"zhang": zhang, "other": other, "order": order, "token": token, "inquiry": inquiry, "shop": shop}


# --- export -------------------------------------------------------------------------------------

def _export(client) -> tuple[dict, str]:
    response = client.post("/account/privacy/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["README.txt", "data.json"]
    return json.loads(archive.read("data.json")), archive.read("README.txt").decode()


def test_export_holds_his_data_and_no_one_elses(client, login, story):
    login(story["zhang"])
    data, readme = _export(client)
    sections = data["sections"]
    assert sections["account"]["email"] == EMAIL and sections["account"]["phone"] == PHONE
    assert [a["phone"] for a in sections["addresses"]] == [ADDRESS_PHONE]
    [order] = sections["orders"]
    assert order["number"] == story["order"].number and order["status"] == "completed"
    assert order["delivery"]["phone"] == ADDRESS_PHONE and order["lines"][0]["quantity"] == 2
    assert order["total_cents"] == story["order"].total_cents
    assert sections["payments"]["payments"][0]["method"] == "cash"
    assert sections["payments"]["payments"][0]["status"] == "succeeded"
    assert sections["inquiries"][0]["phone"] == INQUIRY_PHONE
    assert [t["name"] for t in sections["api_tokens"]] == ["进货系统"]
    assert sections["consents"][0]["policy_version"]
    assert sections["shops"] == []
    assert data["labels"]["orders"] == {"zh_CN": "订单（含商品明细）", "en": "Orders (with their lines)"}
    assert data["labels"]["account"]["en"] == "Account details"
    text = json.dumps(data, ensure_ascii=False) + readme
    # never a secret, never another person's data (the other buyer, the shop's owner, the officer)
    for foreign in (story["token"], story["token"][:12], "argon2", OTHER_EMAIL, OTHER_PHONE, "李四",
                    "owner.of.shop", "13611112222", "officer.wang", "约下周见"):
        assert foreign not in text, foreign
    assert "您的个人数据" in readme and "your personal data" in readme


def test_export_needs_login_and_a_post(client, story):
    assert client.post("/account/privacy/export").status_code == 302
    assert client.get("/account/privacy/export").status_code == 405


def test_export_is_bounded(app, client, login, story):
    app.config["PRIVACY_EXPORT_MAX_ROWS"] = 1
    from marketplace.accounts.services import create_token

    with app.test_request_context():
        create_token(story["zhang"], "第二个")
    login(story["zhang"])
    data, readme = _export(client)
    assert len(data["sections"]["api_tokens"]) == 1 and "api_tokens" in data["truncated"]
    assert "api_tokens" in readme


# --- deletion -----------------------------------------------------------------------------------

def _scan(*needles: str) -> list[str]:
    """Every (table.column) whose text (JSON too) contains one of ``needles``, case-insensitively."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            text = sa.func.lower(sa.cast(column, sa.Text))
            for needle in needles:
                hit = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                        .where(text.contains(needle.lower(), autoescape=True)))
                if hit:
                    found.append(f"{table.name}.{column.name} ({needle})")
    return found


def test_deletion_anonymises_everything_and_keeps_orders_and_ledger(app, client, login, story):
    zhang, order = story["zhang"], story["order"]
    needles = (EMAIL, PHONE, ADDRESS_PHONE, INQUIRY_PHONE, "13912345678", "13800138000")
    assert _scan(*needles)  # the scan finds them before
    ledger_before = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))
    login(zhang)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/deleted")
    assert "账号已注销" in client.get("/account/deleted").get_data(as_text=True)
    db.session.expire_all()

    assert _scan(*needles) == []
    user = db.session.get(User, zhang.id)
    assert user.deleted_at and not user.active and user.name == "" and user.phone is None
    assert user.email == f"deleted-{zhang.id}@deleted.invalid" and user.display_name == "已注销用户"
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(ApiToken.user_id == zhang.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Address.id)).where(Address.user_id == zhang.id)) == 0
    # the order stays, with its lines and money; its delivery snapshot masked
    kept = db.session.get(Order, order.id)
    assert kept.status == OrderStatus.COMPLETED and kept.lines and kept.total_cents == order.total_cents
    assert (kept.ship_recipient, kept.ship_phone) == ("张**", "138****8000")
    assert kept.ship_address == "河南省 商丘市 柘城县 ****" and kept.note == "到了打 138****8000"
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == ledger_before  # ledger_balanced checks sums
    # the other buyer's order is untouched
    other_order = db.session.scalar(sa.select(Order).where(Order.buyer_id == story["other"].id))
    assert other_order.ship_phone == OTHER_PHONE
    inquiry = story["inquiry"]
    assert (inquiry.name, inquiry.phone, inquiry.email, inquiry.company) == ("张**", "", "", "三丰食品")
    # one audit entry, without personal data
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.erase"))
    assert entry.object_id == str(zhang.id) and entry.actor_id == zhang.id and entry.ip is None
    assert "张三丰" not in json.dumps([entry.before, entry.after, entry.note], ensure_ascii=False)
    from marketplace.privacy.models import ConsentRecord

    assert [c.ip_hash for c in db.session.scalars(sa.select(ConsentRecord))] == [None]


def test_after_deletion_he_cannot_log_in_and_his_sessions_and_tokens_are_dead(app, client, login, story):
    other_device = app.test_client()
    other_device.post("/account/login", data={"email": EMAIL, "password": PASSWORD})
    assert other_device.get("/account/").status_code == 200
    login(story["zhang"])
    client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert other_device.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 302
    relogin = client.post("/account/login", data={"email": EMAIL, "password": PASSWORD})
    assert relogin.status_code == 200 and "邮箱或密码不正确" in relogin.get_data(as_text=True)
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {story['token']}"})
    assert api.status_code == 401
    # the address is free again
    again = client.post("/account/register", data={"email": EMAIL, "password": "brand new pass 7",
                                                    "confirm": "brand new pass 7", "consent": "y"})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == EMAIL)) == 1


def _refused(client, data, status: int, message: str) -> None:
    response = client.post("/account/delete", data=data)
    assert response.status_code == status, response.status_code
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    assert user is not None and user.deleted_at is None and user.active


def test_deletion_refused_without_password_or_confirmation(client, login, story):
    login(story["zhang"])
    _refused(client, {"password": "wrong horse 99", "confirm": "y"}, 422, "密码不正确")
    _refused(client, {"password": PASSWORD}, 400, "请勾选确认后再注销账号")
    _refused(client, {"confirm": "y"}, 400, "请输入当前密码以确认是您本人")


def test_deletion_refused_while_an_order_is_open(client, login, story, make_variant):
    _order(story["zhang"], make_variant(story["shop"]), ADDRESS_PHONE, complete=False)
    login(story["zhang"])
    page = client.get("/account/privacy").get_data(as_text=True)
    assert 'id="delete-blocked"' in page and "1 个未完成的订单" in page and 'id="delete-account"' not in page
    _refused(client, {"password": PASSWORD, "confirm": "y"}, 409, "1 个未完成的订单")


def test_the_owner_of_an_open_shop_deletes_once_the_platform_closed_it(client, login, story, make_shop, make_user):
    from marketplace.shops.models import ShopStatus

    owner = make_user(email="shop.owner.two@example.com")
    shop = make_shop(name="辣椒行", owner=owner, phone="13611113333")
    login(owner)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 409
    assert "您是店铺“辣椒行”的店主" in response.get_data(as_text=True)
    db.session.expire_all()
    assert owner.deleted_at is None and owner.email == "shop.owner.two@example.com"
    client.post("/account/logout")
    login(make_user(roles=("admin",)))
    client.post(f"/admin/shops/{shop.id}/close", data={"reason": ""})  # a reason is required
    db.session.expire_all()
    assert shop.status == ShopStatus.APPROVED
    client.post(f"/admin/shops/{shop.id}/close", data={"reason": "店主不再经营，申请注销账号"})
    db.session.expire_all()
    assert shop.status == ShopStatus.CLOSED
    client.post("/account/logout")
    assert client.get(f"/shops/{shop.slug}").status_code == 404
    login(owner)
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert owner.deleted_at is not None and shop.phone == "136****3333" and _scan("13611113333") == []


def test_an_admin_processes_a_deletion_request(client, login, story, make_user):
    admin = make_user(email="admin.privacy@example.com", roles=("admin",))
    login(admin)
    zhang = story["zhang"]
    page = client.get(f"/admin/users/{zhang.id}").get_data(as_text=True)
    assert EMAIL in page and "注销这个账号" in page
    response = client.post(f"/admin/users/{zhang.id}/erase",
                           data={"note": f"用户来电 {PHONE} 要求注销，工单 88", "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert zhang.deleted_at is not None
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.erase"))
    assert entry.actor_id == admin.id and entry.note == "用户来电 139****5678 要求注销，工单 88"
    # a deleted account is never reactivated
    client.post(f"/admin/users/{zhang.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert not zhang.active
    assert "已注销" in client.get(f"/admin/users/{zhang.id}").get_data(as_text=True)


def test_an_admin_needs_grounds_and_cannot_erase_himself(client, login, story, make_user):
    admin = make_user(email="admin.privacy@example.com", roles=("admin",))
    login(admin)
    zhang = story["zhang"]
    client.post(f"/admin/users/{zhang.id}/erase", data={"note": "", "confirm": "y"})
    client.post(f"/admin/users/{admin.id}/erase", data={"note": "自己", "confirm": "y"})
    db.session.expire_all()
    assert zhang.deleted_at is None and admin.deleted_at is None
    assert client.post(f"/admin/users/{zhang.id}/erase", data={"note": "x", "confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert zhang.deleted_at is not None



def test_a_staff_member_exports_his_membership_and_leaves_the_shop_with_the_deletion(client, login, make_user,
                                                                                     make_shop):
    from marketplace.shops.models import MemberRole, Shop, ShopMember

    shop = make_shop(name="梨园", owner=make_user(email="owner.three@example.com"))
    staff = make_user(email="staff.member@example.com")
    db.session.add(ShopMember(shop=shop, user=staff, role=MemberRole.STAFF))
    db.session.commit()
    login(staff)
    data, _readme = _export(client)
    [membership] = data["sections"]["shops"]
    assert (membership["shop"], membership["role"], membership["status"]) == ("梨园", "staff", "approved")
    assert "owner.three" not in json.dumps(data)
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(ShopMember.id)).where(ShopMember.user_id == staff.id)) == 0
    assert [m.user.email for m in db.session.get(Shop, shop.id).members] == ["owner.three@example.com"]
