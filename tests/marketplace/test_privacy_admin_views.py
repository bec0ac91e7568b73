"""The admin reads personal data masked on lists and in full on an individual page, and every such
page view is audit-logged (once per admin, object and ten minutes)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.admin.models import AuditEntry
from marketplace.mail.models import OutboxMessage
from marketplace.mail.services import queue_mail

EMAIL, MASKED = "wang.private@example.com", "w***@example.com"


def _views(db) -> list[tuple[str, str]]:
    return [(e.object_type, e.object_id) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.view").order_by(AuditEntry.id))]


def test_user_list_masked_user_page_full_and_audited(client, db, login, make_user):
    admin = make_user(email="boss@example.com", roles=("admin",))
    user = make_user(email=EMAIL, name="王小明")
    user.phone = "13912345678"
    db.session.commit()
    login(admin)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert MASKED in listing and "王**" in listing and EMAIL not in listing and "王小明" not in listing
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert EMAIL in page and "13912345678" in page and "王小明" in page
    client.get(f"/admin/users/{user.id}")
    assert _views(db) == [("user", str(user.id))]
    # the audit log lists the admin masked
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "b***@example.com" in audit and "boss@example.com" not in audit


def test_shop_page_full_and_audited(client, db, login, make_user, make_shop):
    admin = make_user(roles=("admin",))
    shop = make_shop(owner=make_user(email=EMAIL), phone="13611112222")
    login(admin)
    page = client.get(f"/admin/shops/{shop.id}").get_data(as_text=True)
    assert EMAIL in page and "13611112222" in page
    assert _views(db) == [("shop", str(shop.id))]


def test_outbox_list_masked_message_full_and_audited(app, client, db, login, make_user):
    admin = make_user(roles=("admin",))
    with app.test_request_context():
        queue_mail(EMAIL, "welcome", user=admin, login_url="http://x/login")
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    login(admin)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert MASKED in listing and EMAIL not in listing
    assert EMAIL in client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert _views(db) == [("mail", str(message.id))]
