"""The daily digest (once per user and day, even with two processes at once) and the JSON API of the
notifications (own ones only, bad input refused)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from marketplace.notifications import prefs
from marketplace.notifications.digest import send_digests
from marketplace.notifications.dispatch import post
from marketplace.notifications.models import Notification, NotificationDigest
from tests.at_once import at_once


def _digest_user(make_user, n: int = 3):
    user = make_user(locale="en")
    prefs.set_preferences(user, [("investment.inquiry", "email", "digest")])
    for i in range(n):
        post(user, "investment.inquiry", params={"project": f"P{i}"}, link="/investment/office")
    db.session.commit()
    return user


def _digests(user):
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "notification_digest", OutboxMessage.to_addr == user.email)))


def test_a_digest_lists_the_unread_once_a_day_in_the_users_language(app, make_user):
    user = _digest_user(make_user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0  # no mail at once
    assert send_digests("2026-12-06") == 1
    (mail,) = _digests(user)
    assert mail.locale == "en" and "P0" in mail.body_text and "P2" in mail.body_text
    assert "Daily digest: 3 unread" in mail.subject
    assert send_digests("2026-12-06") == 0  # the same day: nothing more
    post(user, "investment.inquiry", params={"project": "P9"})
    db.session.commit()
    assert send_digests("2026-12-06") == 0  # still the same day
    assert send_digests("2026-12-07") == 1  # the next day: only what was not mailed
    assert "P9" in _digests(user)[-1].body_text and "P0" not in _digests(user)[-1].body_text


def test_read_notifications_are_not_digested(app, make_user):
    _digest_user(make_user, n=1)
    db.session.execute(sa.update(Notification).values(read_at=sa.func.now()))
    db.session.commit()
    assert send_digests("2026-12-06") == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationDigest)) == 0


def test_two_processes_running_the_digest_at_once_send_one(app, make_user):
    users = [_digest_user(make_user) for _ in range(3)]
    results = at_once(app, lambda _prepared: send_digests("2026-12-06"))
    db.session.expire_all()
    for user in users:
        assert len(_digests(user)) == 1, results
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationDigest)) == 3
    assert sum(r for r in results if isinstance(r, int)) == 3, results


def test_the_api_lists_counts_and_marks_only_my_notifications(app, client, login, make_user):
    me, other = make_user(), make_user()
    for user in (me, other):
        post(user, "investment.reply", params={"project": "梨园"}, link="/investment/my")
        post(user, "investment.reply", params={"project": "酒厂"}, link="/investment/my")
    db.session.commit()
    login(me)
    listing = client.get("/api/v1/notifications").get_json()
    assert listing["total"] == 2 and listing["unread"] == 2
    assert listing["items"][0]["text"].endswith("“酒厂”的咨询") and listing["items"][0]["read"] is False
    mine = listing["items"][0]["id"]
    theirs = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == other.id))
    assert client.post(f"/api/v1/notifications/{theirs}/read").status_code == 404
    assert client.post("/api/v1/notifications/99999999999/read").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine}/read").get_json()["read"] is True
    assert client.get("/api/v1/notifications/unread-count").get_json() == {"unread": 1}
    assert client.get("/api/v1/notifications?unread=true").get_json()["total"] == 1
    assert client.get("/api/v1/notifications?page=99999999").status_code == 200
    assert client.post("/api/v1/notifications/read-all").get_json() == {"marked": 1}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == other.id, Notification.read_at.is_(None))) == 2


def test_the_api_preferences(app, client, login, make_user):
    me = make_user()
    login(me)
    body = client.get("/api/v1/notifications/preferences").get_json()
    paid = next(t for t in body["types"] if t["type"] == "orders.paid")
    assert {c["channel"]: c["mode"] for c in paid["channels"]} == {"in_app": "on", "email": "on", "sms": "off"}
    changed = client.put("/api/v1/notifications/preferences",
                         json={"preferences": [{"type": "orders.paid", "channel": "email", "mode": "digest"}]})
    assert changed.status_code == 200
    for bad, code in (({"type": "orders.nope", "channel": "email", "mode": "off"}, "unknown_type"),
                      ({"type": "orders.paid", "channel": "fax", "mode": "off"}, "unknown_channel"),
                      ({"type": "shops.status", "channel": "email", "mode": "off"}, "not_optional")):
        refused = client.put("/api/v1/notifications/preferences", json={"preferences": [bad]})
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == code
    assert client.put("/api/v1/notifications/preferences", json={"preferences": []}).status_code == 400
    assert prefs.grid(me)["orders.paid"]["email"] == "digest"


def test_the_api_needs_a_user(app, client):
    assert client.get("/api/v1/notifications").status_code == 401


def test_his_notifications_are_in_his_export_and_go_with_his_account(app, make_user):
    from marketplace.privacy.erasure import delete_account
    from marketplace.privacy.export import collect

    me, other = make_user(), make_user()
    for user in (me, other):
        post(user, "investment.reply", params={"project": "梨园"})
    prefs.set_preferences(me, [("orders.paid", "email", "off")])
    db.session.commit()
    section = collect(me)["sections"]["notifications"]
    assert [n["text"] for n in section["notifications"]] == ["招商办回复了您对项目“梨园”的咨询"]
    assert section["preferences"] == [{"type": "orders.paid", "channel": "email", "mode": "off"}]
    delete_account(me, actor=me, password="correct horse 42")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == me.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == other.id)) == 1


def test_post_mails_the_generic_notice_in_the_readers_language(app, make_user):
    user = make_user(locale="en")
    post(user, "investment.inquiry", params={"project": "Pear orchard"}, link="/investment/office")
    db.session.commit()
    (mail,) = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "notification"))
    assert mail.subject == "New investment inquiry"
    assert "Project “Pear orchard” received a new inquiry" in mail.body_text
    assert "/account/notifications" in mail.body_text


def test_the_job_waits_for_the_digest_hour(app, make_user):
    import datetime as dt

    from marketplace.db import at_time
    from marketplace.jobs import run_job

    user = _digest_user(make_user, n=1)
    with at_time(dt.datetime(2026, 12, 6, 18, 30, tzinfo=dt.UTC)):  # 02:30 in Shangqiu
        assert send_digests() == 0
    with at_time(dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)):  # 09:00
        assert run_job("notifications.digest", raise_errors=True) == 1
    db.session.expire_all()
    assert len(_digests(user)) == 1
