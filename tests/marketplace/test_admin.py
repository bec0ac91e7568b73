"""Platform admin pages: access, the merchant queue, shop status changes, users and roles."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.admin import services
from marketplace.admin.models import AuditEntry
from marketplace.mail.models import OutboxMessage
from marketplace.shops.models import ShopStatus, ShopStatusChange
from marketplace.states import InvalidTransition
from tests.conftest import csrf_token_from

ADMIN_GET_URLS = ["/admin", "/admin/shops", "/admin/shops?status=all", "/admin/shops/{shop}", "/admin/users", "/admin/users/{user}", "/admin/outbox",
                  "/admin/outbox/{mail}", "/admin/outbox/{mail}/html", "/admin/audit"]
ADMIN_POST_URLS = ["/admin/shops/{shop}/approve", "/admin/shops/{shop}/reject", "/admin/shops/{shop}/suspend",
                   "/admin/shops/{shop}/reinstate", "/admin/users/{user}/roles", "/admin/users/{user}/active"]


@pytest.fixture
def admin(make_user):
    return make_user(email="boss@example.com", roles=("admin",))


@pytest.fixture
def as_admin(admin, login):
    login(admin)
    return admin


@pytest.fixture
def targets(db, make_shop, make_user):
    """One of each object the admin URLs name: a pending shop, a user, an outbox message."""
    from marketplace.mail.services import queue_mail

    shop = make_shop(status=ShopStatus.PENDING)
    user = make_user()
    mail = queue_mail(user.email, "password_reset", user=user, minutes=60, reset_url="http://x/reset")
    db.session.commit()
    return {"shop": shop.id, "user": user.id, "mail": mail.id}


def outbox_to(db, email):
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == email)))


def audit(db, action=None):
    """The admin's actions in the audit log (without his page views, "privacy.view": test_privacy_views)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    else:
        query = query.where(AuditEntry.action != "privacy.view")
    return list(db.session.scalars(query))


# --- access -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ADMIN_GET_URLS)
def test_staff_without_admin_role_gets_403_on_every_admin_page(client, make_user, login, targets, url):
    login(make_user(roles=("officer", "reviewer")))  # every platform role but admin
    assert client.get(url.format(**targets)).status_code == 403


@pytest.mark.parametrize("roles", [(), ("officer",), ("reviewer",)])
def test_buyers_and_officers_get_403_on_every_admin_page(client, make_user, login, targets, roles):
    login(make_user(roles=roles))
    for url in ADMIN_GET_URLS:
        assert client.get(url.format(**targets)).status_code == 403, url


@pytest.mark.parametrize("url", ADMIN_POST_URLS)
def test_non_admin_cannot_post_admin_actions(client, db, make_user, login, targets, url):
    login(make_user(roles=("officer",)))
    response = client.post(url.format(**targets), data={"reason": "x", "role": "admin", "op": "grant",
                                                         "active": "0"})
    assert response.status_code == 403
    assert audit(db) == []


@pytest.mark.parametrize("url", ADMIN_GET_URLS)
def test_anonymous_is_sent_to_login(client, targets, url):
    response = client.get(url.format(**targets))
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_merchant_of_a_shop_is_no_admin(client, make_shop, make_user, login):
    owner = make_user()
    make_shop(owner=owner)
    login(owner)
    assert client.get("/admin/shops").status_code == 403


# --- pages render --------------------------------------------------------------------------------

def test_admin_pages_render(client, as_admin, targets):
    for url in ADMIN_GET_URLS:
        response = client.get(url.format(**targets))
        assert response.status_code == 200, url


def test_index_counts_and_links(client, as_admin, make_shop):
    make_shop(status=ShopStatus.PENDING)
    make_shop(status=ShopStatus.PENDING)
    make_shop(status=ShopStatus.APPROVED)
    html = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/shops?status=pending">2</a>' in html
    assert "/admin/outbox?status=queued" in html
    assert "/admin/users" in html


def test_queue_lists_pending_oldest_first_and_filters(client, as_admin, make_shop):
    first = make_shop(name="先申请的店", status=ShopStatus.PENDING)
    second = make_shop(name="后申请的店", status=ShopStatus.PENDING)
    make_shop(name="已开业的店", status=ShopStatus.APPROVED)
    html = client.get("/admin/shops").get_data(as_text=True)
    assert html.index(first.name) < html.index(second.name)
    assert "已开业的店" not in html
    approved = client.get("/admin/shops?status=approved").get_data(as_text=True)
    assert "已开业的店" in approved and first.name not in approved
    assert client.get("/admin/shops?status=bogus").status_code == 404


def test_queue_is_paginated(client, as_admin, make_shop):
    for i in range(27):
        make_shop(name=f"排队店铺{i:02d}", status=ShopStatus.PENDING)
    page1 = client.get("/admin/shops").get_data(as_text=True)
    page2 = client.get("/admin/shops?page=2").get_data(as_text=True)
    assert "排队店铺00" in page1 and "排队店铺26" not in page1
    assert "排队店铺26" in page2 and 'rel="prev"' in page2


def test_shop_detail_shows_licence_link_and_forms(app, client, db, as_admin, make_shop):
    from marketplace.media import get_storage

    prefix = "private/licences/ab/abc"
    get_storage().save(prefix + "-full.webp", b"RIFF....WEBP")
    shop = make_shop(status=ShopStatus.PENDING, licence_image=prefix)
    html = client.get(f"/admin/shops/{shop.id}").get_data(as_text=True)
    assert f"/shops/{shop.id}/licence?size=full" in html
    assert f"/admin/shops/{shop.id}/approve" in html and f"/admin/shops/{shop.id}/reject" in html
    assert prefix not in html  # the private key itself is not exposed
    licence = client.get(f"/shops/{shop.id}/licence?size=full")
    assert licence.status_code == 200 and "no-store" in licence.headers["Cache-Control"]
    licence.close()
    assert client.get("/admin/shops/999999").status_code == 404


def test_user_search_by_email_and_name(client, as_admin, make_user):
    make_user(email="chili@zhecheng.example", name="赵辣椒")
    make_user(email="pear@ningling.example", name="孙酥梨")
    # the list shows e-mails and names masked (c***@zhecheng.example, 赵**), the search reads them in full
    by_mail = client.get("/admin/users?q=zhecheng").get_data(as_text=True)
    assert "c***@zhecheng.example" in by_mail and "p***@ningling.example" not in by_mail
    assert "chili@zhecheng.example" not in by_mail and "赵辣椒" not in by_mail and "赵**" in by_mail
    by_name = client.get("/admin/users?q=酥梨").get_data(as_text=True)
    assert "p***@ningling.example" in by_name and "c***@zhecheng.example" not in by_name
    wildcard = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "c***@zhecheng.example" not in wildcard


# --- shop status changes ---------------------------------------------------------------------------

@pytest.mark.parametrize("start, action, reason, end", [
    (ShopStatus.PENDING, "approve", "", ShopStatus.APPROVED),
    (ShopStatus.PENDING, "reject", "执照照片看不清", ShopStatus.REJECTED),
    (ShopStatus.APPROVED, "suspend", "多次被投诉缺斤短两", ShopStatus.SUSPENDED),
    (ShopStatus.SUSPENDED, "reinstate", "", ShopStatus.APPROVED),
])
def test_shop_action_changes_status_audits_and_mails_owner(client, db, as_admin, make_shop, make_user,
                                                           start, action, reason, end):
    owner = make_user(email="owner@example.com")
    shop = make_shop(status=start, owner=owner)
    response = client.post(f"/admin/shops/{shop.id}/{action}", data={"reason": reason})
    assert response.status_code == 302
    db.session.expire_all()
    assert shop.status == end
    [entry] = audit(db, f"shop.{action}")
    assert entry.actor_id == as_admin.id and entry.object_type == "shop" and entry.object_id == str(shop.id)
    assert entry.before["status"] == start.value and entry.after["status"] == end.value
    assert entry.ip == "127.0.0.1"
    if reason:
        assert entry.note == reason and shop.status_reason == reason
    history = db.session.scalars(sa.select(ShopStatusChange).where(ShopStatusChange.shop_id == shop.id)).all()
    assert any(h.to_status == end and h.actor_id == as_admin.id for h in history)
    assert outbox_to(db, "owner@example.com"), "the owner is e-mailed on every status change"
    assert "flash-success" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("action, start", [("reject", ShopStatus.PENDING), ("suspend", ShopStatus.APPROVED)])
@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_or_suspend_without_reason_is_refused(client, db, as_admin, make_shop, action, start, reason):
    shop = make_shop(status=start)
    response = client.post(f"/admin/shops/{shop.id}/{action}", data={"reason": reason}, follow_redirects=True)
    assert "请填写原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert shop.status == start
    assert audit(db) == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize("start, action", [
    (ShopStatus.APPROVED, "approve"),
    (ShopStatus.SUSPENDED, "approve"),  # a suspended shop comes back by "reinstate", audited as such
    (ShopStatus.PENDING, "reinstate"),
    (ShopStatus.PENDING, "suspend"),
    (ShopStatus.REJECTED, "approve"),
    (ShopStatus.SUSPENDED, "reject"),
])
def test_refused_transition_shows_message_and_changes_nothing(client, db, as_admin, make_shop, start, action):
    shop = make_shop(status=start)
    before = shop.updated_at
    response = client.post(f"/admin/shops/{shop.id}/{action}", data={"reason": "理由"}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "不能执行这个操作" in html and "flash-error" in html
    db.session.expire_all()
    assert shop.status == start and shop.updated_at == before
    assert audit(db) == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_service_raises_invalid_transition_and_rolls_back(db, admin, make_shop):
    shop = make_shop(status=ShopStatus.REJECTED)
    with pytest.raises(InvalidTransition):
        services.suspend_shop(shop, admin, "理由")
    db.session.expire_all()
    assert shop.status == ShopStatus.REJECTED and audit(db) == []


def test_overlong_reason_is_refused_with_a_message(client, db, as_admin, make_shop):
    shop = make_shop(status=ShopStatus.PENDING)
    response = client.post(f"/admin/shops/{shop.id}/reject", data={"reason": "太长" * 1001}, follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    db.session.expire_all()
    assert shop.status == ShopStatus.PENDING and audit(db) == []


def test_shop_action_on_unknown_shop_is_404(client, as_admin):
    assert client.post("/admin/shops/424242/approve").status_code == 404
    assert client.post("/admin/shops/1/delete").status_code in (404, 405)


def test_admin_forms_need_csrf(csrf_app, make_user, make_shop):
    from marketplace.extensions import db

    admin = make_user(roles=("admin",))
    shop = make_shop(status=ShopStatus.PENDING)
    client = csrf_app.test_client()
    page = client.get("/account/login").get_data(as_text=True)
    client.post("/account/login", data={"email": admin.email, "password": "correct horse 42",
                                        "csrf_token": csrf_token_from(page)})
    assert client.post(f"/admin/shops/{shop.id}/approve").status_code == 400
    db.session.expire_all()
    assert shop.status == ShopStatus.PENDING
    token = csrf_token_from(client.get(f"/admin/shops/{shop.id}").get_data(as_text=True))
    assert client.post(f"/admin/shops/{shop.id}/approve", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert shop.status == ShopStatus.APPROVED


# --- users and roles -----------------------------------------------------------------------------

def test_grant_and_revoke_role_are_audited(client, db, as_admin, make_user):
    user = make_user()
    client.post(f"/admin/users/{user.id}/roles", data={"op": "grant", "role": "officer"})
    db.session.expire_all()
    assert user.has_role(Role.OFFICER)
    [grant] = audit(db, "user.role_grant")
    assert grant.before["roles"] == [] and grant.after["roles"] == ["officer"] and grant.note == "officer"
    client.post(f"/admin/users/{user.id}/roles", data={"op": "revoke", "role": "officer"})
    db.session.expire_all()
    assert not user.has_role(Role.OFFICER)
    [revoke] = audit(db, "user.role_revoke")
    assert revoke.before["roles"] == ["officer"] and revoke.after["roles"] == []
    assert revoke.actor_id == as_admin.id


def test_granting_a_held_role_or_an_unknown_role_changes_nothing(client, db, as_admin, make_user):
    user = make_user(roles=("reviewer",))
    client.post(f"/admin/users/{user.id}/roles", data={"op": "grant", "role": "reviewer"})
    response = client.post(f"/admin/users/{user.id}/roles", data={"op": "grant", "role": "superuser"},
                           follow_redirects=True)
    assert "未知的角色" in response.get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/roles", data={"op": "explode", "role": "admin"}).status_code == 400
    assert audit(db) == []


def test_admin_cannot_remove_his_own_admin_role(client, db, as_admin):
    response = client.post(f"/admin/users/{as_admin.id}/roles", data={"op": "revoke", "role": "admin"},
                           follow_redirects=True)
    assert "不能取消自己的管理员角色" in response.get_data(as_text=True)
    db.session.expire_all()
    assert as_admin.is_admin and audit(db) == []
    assert client.get("/admin").status_code == 200


def test_admin_can_remove_another_admin(client, db, as_admin, make_user):
    other = make_user(roles=("admin",))
    client.post(f"/admin/users/{other.id}/roles", data={"op": "revoke", "role": "admin"})
    db.session.expire_all()
    assert not other.is_admin


def test_admin_cannot_deactivate_himself(client, db, as_admin):
    response = client.post(f"/admin/users/{as_admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    db.session.expire_all()
    assert as_admin.active and audit(db) == []


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, client, db, as_admin, make_user):
    victim = make_user(email="victim@example.com")
    victim_client = app.test_client()
    victim_client.post("/account/login", data={"email": victim.email, "password": "correct horse 42"})
    assert victim_client.get("/account/").status_code == 200
    version = victim.auth_version
    response = client.post(f"/admin/users/{victim.id}/active", data={"active": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert not victim.active and victim.auth_version == version + 1
    [entry] = audit(db, "user.deactivate")
    assert entry.before == {"active": True, "roles": []} and entry.after == {"active": False, "roles": []}
    # the open session is dead
    assert victim_client.get("/account/").status_code == 302
    # and a new login is refused
    again = victim_client.post("/account/login", data={"email": victim.email, "password": "correct horse 42"})
    assert again.status_code == 200 and "邮箱或密码不正确" in again.get_data(as_text=True)
    assert victim_client.get("/account/").status_code == 302
    # reactivation is audited too
    client.post(f"/admin/users/{victim.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert victim.active and audit(db, "user.activate")


def test_bad_activation_value_is_400(client, as_admin, make_user):
    user = make_user()
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "maybe"}).status_code == 400
    assert client.post("/admin/users/999999/active", data={"active": "0"}).status_code == 404


def test_deactivate_service_bumps_auth_version(db, admin, make_user):
    user = make_user()
    services.set_user_active(user, False, admin)
    assert db.session.get(User, user.id).auth_version == 2
    with pytest.raises(services.AdminError):
        services.set_user_active(admin, False, admin)
