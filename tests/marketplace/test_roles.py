"""Roles with an optional scope: one model (user_roles), one check (has_role), one decorator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import login_user
from werkzeug.exceptions import Forbidden

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, UserRole
from marketplace.accounts.policy import has_role, role_required, scope_key
from marketplace.shops.models import ShopMember, ShopStatus
from marketplace.shops.policy import can_view_licence, is_member, is_owner
from marketplace.shops.staff import accept_invite, invite_staff


def test_a_scoped_grant_works_only_in_its_scope(db, make_user):
    clerk = make_user()
    accounts.grant_role(clerk, Role.VILLAGE_CLERK, scope=("region", 7))
    assert has_role(clerk, Role.VILLAGE_CLERK, ("region", 7))
    assert not has_role(clerk, Role.VILLAGE_CLERK, ("region", 8))
    assert not has_role(clerk, Role.VILLAGE_CLERK, ("market", 7))
    assert not has_role(clerk, Role.VILLAGE_CLERK)  # a clerk of one village is not a clerk everywhere
    assert not has_role(clerk, Role.MARKET_REPORTER, ("region", 7))


def test_an_unscoped_grant_covers_every_scope(db, make_user):
    regulator = make_user(roles=[Role.FOOD_SAFETY_REGULATOR])
    for scope in (None, ("shop", 1), ("region", 99), ("market", 3)):
        assert has_role(regulator, Role.FOOD_SAFETY_REGULATOR, scope)
    assert not has_role(regulator, Role.AGRICULTURE_OFFICER)


def test_an_admin_passes_every_check_and_a_visitor_none(db, make_user, make_shop):
    admin = make_user(roles=["admin"])
    shop = make_shop()
    for role in Role:
        assert has_role(admin, role) and has_role(admin, role, shop) and has_role(admin, role, ("market", 5))
    assert not has_role(None, Role.ADMIN)


def test_a_scope_is_a_pair_or_a_row(db, make_shop, regions):
    shop = make_shop()
    assert scope_key(shop) == ("shop", shop.id) == scope_key(("shop", str(shop.id)))
    assert scope_key(shop.region) == ("region", shop.region.id)
    with pytest.raises(TypeError):
        scope_key(object())


def test_grants_are_rows_one_per_role_and_scope(db, make_user):
    reporter = make_user()
    assert accounts.grant_role(reporter, Role.MARKET_REPORTER, scope=("market", 1))
    assert accounts.grant_role(reporter, Role.MARKET_REPORTER, scope=("market", 2))
    assert not accounts.grant_role(reporter, Role.MARKET_REPORTER, scope=("market", 2))
    assert accounts.revoke_role(reporter, Role.MARKET_REPORTER, scope=("market", 1))
    db.session.expire_all()
    rows = db.session.execute(sa.select(UserRole.role, UserRole.scope_type, UserRole.scope_id)
                              .where(UserRole.user_id == reporter.id)).all()
    assert rows == [(Role.MARKET_REPORTER, "market", 2)]
    assert has_role(reporter, Role.MARKET_REPORTER, ("market", 2))
    assert not has_role(reporter, Role.MARKET_REPORTER, ("market", 1))


def test_the_database_refuses_a_second_unscoped_grant_and_a_second_shop(db, make_user, make_shop):
    user = make_user(roles=["officer"])
    db.session.add(UserRole(user_id=user.id, role=Role.OFFICER))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    owner = make_user()
    make_shop(owner=owner)
    other = make_shop()
    db.session.add(ShopMember(user_id=owner.id, shop_id=other.id, role=Role.SHOP_STAFF))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_shop_membership_is_a_role_scoped_to_the_shop(db, make_user, make_shop):
    owner = make_user()
    shop = make_shop(owner=owner)
    worker = make_user(email="worker@example.com")
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    accept_invite(token, worker)
    db.session.expire_all()
    grants = {(r.user_id, r.role, r.scope_type, r.scope_id) for r in db.session.scalars(sa.select(UserRole))}
    assert grants == {(owner.id, Role.SHOP_OWNER, "shop", shop.id), (worker.id, Role.SHOP_STAFF, "shop", shop.id)}
    other = make_shop()
    assert has_role(owner, Role.SHOP_OWNER, shop) and not has_role(owner, Role.SHOP_OWNER, other)
    assert has_role(worker, Role.SHOP_STAFF, shop) and not has_role(worker, Role.SHOP_OWNER, shop)
    assert is_member(worker, shop) and not is_member(worker, other) and not can_view_licence(worker, other)
    assert is_owner(owner, shop) and not is_owner(worker, shop)


def test_role_required_checks_the_scope_the_view_names(app, db, make_user):
    reporter = make_user()
    accounts.grant_role(reporter, Role.MARKET_REPORTER, scope=("market", 3))

    @role_required(Role.MARKET_REPORTER, scope=lambda market_id: ("market", market_id))
    def report(market_id):
        return f"market {market_id}"

    with app.test_request_context():
        login_user(reporter)
        assert report(market_id=3) == "market 3"
        with pytest.raises(Forbidden):
            report(market_id=4)


def test_a_foreign_shops_staff_is_refused_as_before(client, db, make_user, make_shop, login):
    owner = make_user()
    shop = make_shop(owner=owner)
    worker = make_user(email="worker@example.com")
    _invite, token = invite_staff(shop, "worker@example.com", owner)
    accept_invite(token, worker)
    pending = make_shop(status=ShopStatus.PENDING)
    login(worker)
    assert client.get(f"/shops/{pending.slug}").status_code == 404
    assert client.get(f"/shops/{pending.id}/licence").status_code == 404
    assert client.get("/merchant/staff").status_code == 403  # staff, not owner, of his own shop
    assert client.get("/merchant/shop").status_code == 403
    assert client.get("/merchant").status_code == 200


def test_another_role_scoped_to_a_shop_is_not_a_membership(client, db, make_user, make_shop, login):
    """A regulator of one shop is not its staff: no merchant pages (buyers' phones and addresses),
    not listed among its members, and he may hold such a grant for several shops."""
    shop, other = make_shop(), make_shop()
    regulator = make_user()
    accounts.grant_role(regulator, Role.FOOD_SAFETY_REGULATOR, scope=shop)
    accounts.grant_role(regulator, Role.FOOD_SAFETY_REGULATOR, scope=other)
    db.session.expire_all()
    assert has_role(regulator, Role.FOOD_SAFETY_REGULATOR, shop)
    assert not is_member(regulator, shop)
    assert regulator.id not in {m.user_id for m in shop.members}
    login(regulator)
    for path in ("/merchant/orders", "/merchant/products", "/merchant/staff"):
        assert client.get(path).status_code == 403, path


def test_a_shop_role_always_names_its_shop(db, make_user):
    user = make_user()
    db.session.add(UserRole(user_id=user.id, role=Role.SHOP_OWNER))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_admin_on_a_shops_staff_does_not_own_it(client, db, make_user, make_shop, login):
    shop = make_shop()
    admin = make_user(roles=["admin"])
    db.session.add(ShopMember(user_id=admin.id, shop_id=shop.id, role=Role.SHOP_STAFF))
    db.session.commit()
    login(admin)
    assert client.get("/merchant/orders").status_code == 200  # staff pages: yes
    assert client.get("/merchant/staff").status_code == 403  # the owner's: no
    with pytest.raises(Exception, match="只有店主"):
        invite_staff(shop, "worker@example.com", admin)
