"""Staff invitations: e-mailed one-time links, who may accept them, revoking, removing staff."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from marketplace.mail.models import OutboxMessage
from marketplace.security import hash_token
from marketplace.shops.models import MemberRole, ShopInvite, ShopMember, ShopStatus
from marketplace.shops.staff import accept_invite, invite_staff, open_invites, remove_staff, revoke_invite
from marketplace.shops.validation import ShopError


@pytest.fixture
def owner(make_user):
    return make_user(email="owner@example.com")


@pytest.fixture
def shop(make_shop, owner):
    return make_shop(owner=owner, name="永城面粉厂")


def members(db, shop):
    return {(m.user.email, m.role) for m in db.session.scalars(sa.select(ShopMember)
                                                               .where(ShopMember.shop_id == shop.id))}


def test_invite_stores_only_the_hash_and_mails_the_link(db, shop, owner, make_user):
    invitee = make_user(email="worker@example.com", locale="en")
    invite, token = invite_staff(shop, " Worker@Example.com ", owner)
    assert invite.email == "worker@example.com"
    assert invite.token_hash == hash_token(token) and token not in invite.token_hash
    row = db.session.scalar(sa.select(ShopInvite))
    assert token not in (row.token_hash, row.email)
    expires = invite.expires_at if invite.expires_at.tzinfo else invite.expires_at.replace(tzinfo=dt.UTC)
    created = invite.created_at if invite.created_at.tzinfo else invite.created_at.replace(tzinfo=dt.UTC)
    assert expires - created == dt.timedelta(days=7)
    (mail,) = db.session.scalars(sa.select(OutboxMessage))
    assert mail.to_addr == "worker@example.com" and mail.template == "shop_invite"
    assert mail.locale == invitee.locale == "en"
    assert f"/invites/{token}" in mail.body_text and "永城面粉厂" in mail.subject


def test_accept_makes_the_user_staff(db, shop, owner, make_user):
    worker = make_user(email="worker@example.com")
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    member = accept_invite(token, worker)
    assert member.role == MemberRole.STAFF and member.shop_id == shop.id
    assert members(db, shop) == {("owner@example.com", MemberRole.OWNER), ("worker@example.com", MemberRole.STAFF)}


def test_wrong_email_is_refused(db, shop, owner, make_user):
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    with pytest.raises(ShopError, match=r"w\*\*\*@example.com"):
        accept_invite(token, make_user(email="someone-else@example.com"))
    assert len(members(db, shop)) == 1


def test_expired_invite_is_refused(db, shop, owner, make_user):
    worker = make_user(email="worker@example.com")
    invite, token = invite_staff(shop, "worker@example.com", owner)
    invite.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(ShopError, match="过期"):
        accept_invite(token, worker)
    assert len(members(db, shop)) == 1


def test_invite_cannot_be_reused(db, shop, owner, make_user, make_shop):
    worker = make_user(email="worker@example.com")
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    accept_invite(token, worker)
    with pytest.raises(ShopError, match="用过"):
        accept_invite(token, worker)


def test_user_already_in_a_shop_is_refused(db, shop, owner, make_user, make_shop):
    other_owner = make_user(email="boss2@example.com")
    make_shop(owner=other_owner)
    _invite, token = invite_staff(shop, "boss2@example.com", owner)
    with pytest.raises(ShopError, match="已经属于一家店铺"):
        accept_invite(token, other_owner)
    assert len(members(db, shop)) == 1


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
def test_unknown_tokens(db, shop, make_user, token):
    with pytest.raises(ShopError, match="无效"):
        accept_invite(token, make_user())


def test_revoked_invite_is_refused_and_reinviting_replaces_the_old_link(db, shop, owner, make_user):
    worker = make_user(email="worker@example.com")
    invite, token = invite_staff(shop, "worker@example.com", owner)
    revoke_invite(invite, owner)
    with pytest.raises(ShopError, match="撤销"):
        accept_invite(token, worker)
    _first, old = invite_staff(shop, "worker@example.com", owner)
    _second, new = invite_staff(shop, "worker@example.com", owner)
    with pytest.raises(ShopError, match="撤销"):
        accept_invite(old, worker)
    accept_invite(new, worker)


def test_only_the_owner_invites_revokes_and_removes(db, shop, owner, make_user):
    worker = make_user(email="worker@example.com")
    invite, token = invite_staff(shop, "worker@example.com", owner)
    member = accept_invite(token, worker)
    with pytest.raises(ShopError, match="只有店主"):
        invite_staff(shop, "third@example.com", worker)
    with pytest.raises(ShopError, match="只有店主"):
        revoke_invite(invite, worker)
    with pytest.raises(ShopError, match="只有店主"):
        remove_staff(shop, member, worker)


def test_owner_cannot_remove_himself_but_removes_staff(db, shop, owner, make_user):
    worker = make_user(email="worker@example.com")
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    member = accept_invite(token, worker)
    own = db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == owner.id))
    with pytest.raises(ShopError, match="不能移除自己"):
        remove_staff(shop, own, owner)
    remove_staff(shop, member, owner)
    assert members(db, shop) == {("owner@example.com", MemberRole.OWNER)}


@pytest.mark.parametrize("email", ["", "not-an-email", "owner@example.com"])
def test_bad_invite_addresses(db, shop, owner, email):
    with pytest.raises(ShopError) as info:
        invite_staff(shop, email, owner)
    assert "email" in info.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShopInvite)) == 0


# --- through the pages -----------------------------------------------------------------------

def test_invite_and_accept_through_the_pages(client, db, shop, owner, make_user, login):
    login(owner)
    response = client.post("/merchant/staff/invite", data={"email": "worker@example.com"})
    assert response.status_code == 302
    page = client.get("/merchant/staff").get_data(as_text=True)
    assert "worker@example.com" in page
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "shop_invite"))
    path = re.search(r"/invites/[\w-]+", mail.body_text).group(0)
    client.post("/account/logout")
    worker = make_user(email="worker@example.com")
    login(worker)
    assert "接受邀请" in client.get(path).get_data(as_text=True)
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/merchant")
    assert ("worker@example.com", MemberRole.STAFF) in members(db, shop)
    assert client.get(path).status_code == 410


def test_accept_page_with_the_wrong_account(client, db, shop, owner, make_user, login):
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    login(make_user(email="intruder@example.com"))
    response = client.post(f"/invites/{token}")
    assert response.status_code == 410
    assert "w***@example.com" in response.get_data(as_text=True)
    assert len(members(db, shop)) == 1


def test_accept_page_needs_login(client, db, shop, owner):
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    response = client.get(f"/invites/{token}")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_foreign_invites_and_members_are_404(client, db, shop, owner, make_shop, make_user, login):
    worker = make_user(email="worker@example.com")
    invite, token = invite_staff(shop, "worker@example.com", owner)
    member = accept_invite(token, worker)
    other_invite, _t = invite_staff(shop, "third@example.com", owner)
    rival = make_user()
    make_shop(owner=rival)
    login(rival)
    assert client.post(f"/merchant/staff/invites/{other_invite.id}/revoke").status_code == 404
    assert client.post(f"/merchant/staff/members/{member.id}/remove").status_code == 404
    db.session.expire_all()
    assert other_invite.revoked_at is None
    assert ("worker@example.com", MemberRole.STAFF) in members(db, shop)
    assert "worker@example.com" not in client.get("/merchant/staff").get_data(as_text=True)


def test_owner_removes_and_revokes_through_the_pages(client, db, shop, owner, make_user, login):
    worker = make_user(email="worker@example.com")
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    member = accept_invite(token, worker)
    pending, _t = invite_staff(shop, "third@example.com", owner)
    own = db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == owner.id))
    login(owner)
    assert client.post(f"/merchant/staff/invites/{pending.id}/revoke").status_code == 302
    assert client.post(f"/merchant/staff/members/{own.id}/remove").status_code == 302
    assert client.post(f"/merchant/staff/members/{member.id}/remove").status_code == 302
    db.session.expire_all()
    assert pending.revoked_at is not None
    assert members(db, shop) == {("owner@example.com", MemberRole.OWNER)}


def test_suspended_shop_owner_sees_his_staff_but_cannot_invite(client, db, make_shop, make_user, login):
    boss = make_user()
    shop = make_shop(owner=boss, status=ShopStatus.SUSPENDED)
    login(boss)
    assert client.get("/merchant/staff").status_code == 200  # issue 12: he still sees his shop's data
    response = client.post("/merchant/staff/invite", data={"email": "x@example.com"}, follow_redirects=True)
    assert "店铺已被暂停" in response.get_data(as_text=True)
    assert open_invites(shop) == []
