"""The audit log: record_audit, what each admin verb writes, and the audit page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.admin import services
from marketplace.admin.models import AuditEntry
from marketplace.shops.models import ShopStatus


@pytest.fixture
def admin(make_user):
    return make_user(email="auditor@example.com", roles=("admin",))


def entries(db):
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def test_record_audit_joins_the_callers_transaction(app, db, admin):
    services.record_audit(admin, "test.thing", "thing", 7, before={"a": 1}, after={"a": 2}, note="why")
    db.session.rollback()
    assert entries(db) == []
    entry = services.record_audit(admin, "test.thing", "thing", 7, before={"a": 1}, after={"a": 2}, note="why")
    db.session.commit()
    assert entry.ip is None  # no request: no address
    [saved] = entries(db)
    assert (saved.actor_id, saved.action, saved.object_type, saved.object_id) == (admin.id, "test.thing", "thing", "7")
    assert saved.before == {"a": 1} and saved.after == {"a": 2} and saved.note == "why"
    assert saved.created_at is not None


def test_record_audit_takes_the_request_address(app, db, admin):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        entry = services.record_audit(admin, "test.ip", "thing", 1)
    assert entry.ip == "10.1.2.3"


def test_each_shop_verb_writes_one_entry_with_snapshots(db, admin, make_shop):
    shop = make_shop(status=ShopStatus.PENDING)
    services.reject_shop(shop, admin, "营业执照过期")
    [entry] = entries(db)
    assert entry.action == "shop.reject"
    assert entry.before == {"status": "pending", "status_reason": None}
    assert entry.after == {"status": "rejected", "status_reason": "营业执照过期"}


def test_a_failing_verb_writes_no_entry(db, admin, make_shop):
    shop = make_shop(status=ShopStatus.PENDING)
    with pytest.raises(services.AdminError):
        services.suspend_shop(shop, admin, "  ")
    with pytest.raises(services.AdminError):
        services.grant_role(admin, "root", admin)
    with pytest.raises(services.AdminError):
        services.revoke_role(admin, "admin", admin)
    assert entries(db) == []


def test_role_and_activation_snapshots(db, admin, make_user):
    user = make_user()
    services.grant_role(user, "reviewer", admin)
    services.grant_role(user, "officer", admin)
    services.set_user_active(user, False, admin)
    grant1, grant2, deactivate = entries(db)
    assert grant2.before == {"active": True, "roles": ["reviewer"]}
    assert grant2.after == {"active": True, "roles": ["officer", "reviewer"]}
    assert deactivate.after == {"active": False, "roles": ["officer", "reviewer"]}
    assert {e.actor_id for e in (grant1, grant2, deactivate)} == {admin.id}


def test_audit_page_lists_filters_and_escapes(client, db, login, admin, make_user):
    other_admin = make_user(email="second@example.com", roles=("admin",))
    victim = make_user()
    services.grant_role(victim, "officer", admin)
    services.set_user_active(victim, False, other_admin)
    services.record_audit(admin, "shop.approve", "shop", 1, after={"name": "<script>alert(1)</script>"})
    db.session.commit()
    login(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "user.role_grant" in html and "user.deactivate" in html and "shop.approve" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "&#34;officer&#34;" in html or "&quot;officer&quot;" in html  # before/after are shown

    by_action = client.get("/admin/audit?action=user.deactivate").get_data(as_text=True)
    assert "user.deactivate</code>" in by_action and "user.role_grant</code>" not in by_action
    by_prefix = client.get("/admin/audit?action=user").get_data(as_text=True)
    assert "user.deactivate</code>" in by_prefix and "user.role_grant</code>" in by_prefix
    assert "shop.approve</code>" not in by_prefix
    by_actor = client.get("/admin/audit?actor=SECOND@example.com").get_data(as_text=True)
    assert "user.deactivate</code>" in by_actor and "user.role_grant</code>" not in by_actor
    wildcard = client.get("/admin/audit?action=%25").get_data(as_text=True)
    assert "</code>" not in wildcard


def test_audit_page_is_paginated_newest_first(client, db, login, admin):
    for i in range(30):
        services.record_audit(admin, f"test.n{i:02d}", "thing", i)
    db.session.commit()
    login(admin)
    page1 = client.get("/admin/audit").get_data(as_text=True)
    assert "test.n29</code>" in page1 and "test.n00</code>" not in page1
    assert "test.n00</code>" in client.get("/admin/audit?page=2").get_data(as_text=True)
