"""The notification centre: the registry, the one entry point (notify) with each channel honoured,
the unchanged mail path of unregistered templates, the centre's pages, the bell's cost, bad input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import Channel, OutboxMessage
from marketplace.mail.notices import notify
from marketplace.notifications import prefs
from marketplace.notifications.dispatch import post
from marketplace.notifications.models import Notification, NotificationPreference
from marketplace.notifications.registry import UnknownNotificationType, get_type, register_type, types
from tests.orders import conftest as orders_fixtures
from tests.orders.test_orders_budget import count_statements

# the orders suite's fixtures: orders placed through the real services
place, placed_order, user_cart = orders_fixtures.place, orders_fixtures.placed_order, orders_fixtures.user_cart


def _outbox(template=None, channel=Channel.EMAIL):
    stmt = sa.select(OutboxMessage).where(OutboxMessage.channel == channel)
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    return list(db.session.scalars(stmt))


def _mine(user):
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_every_domain_declares_its_types_and_unknown_keys_fail(app):
    keys = set(types())
    assert {"orders.new", "orders.paid", "orders.paid_shop", "orders.shipped", "payments.refunded",
            "aftersales.buyer", "aftersales.shop", "investment.inquiry", "investment.reply", "shops.status",
            "catalog.moderation"} <= keys
    assert not get_type("shops.status").optional and get_type("orders.paid").optional
    with pytest.raises(UnknownNotificationType):
        get_type("orders.nope")
    with pytest.raises(RuntimeError):
        register_type(app, "orders.paid", label="x", group="x", text="x")
    with pytest.raises(ValueError):
        register_type(app, "test.bad_channel", label="x", group="x", text="x", channels=("pigeon",))
    with pytest.raises(UnknownNotificationType):
        post(object(), "nobody.knows")


def test_texts_render_in_the_readers_language_from_stored_parameters(app):
    from flask_babel import force_locale

    kind = get_type("aftersales.shop")
    with force_locale("zh_CN"):
        assert kind.render({"order": "N1", "event": "requested"}) == "订单 N1 的售后：买家申请售后"
    with force_locale("en"):
        text = kind.render({"order": "N1", "event": "requested"})
    assert "N1" in text and "售后" not in text
    assert kind.render({}) .startswith("订单")  # a missing parameter is blank, never a KeyError


def test_a_registered_notice_goes_to_the_centre_and_by_mail(app, placed_order):
    buyer, order, _variant = placed_order()
    from orders.notify import to_buyer

    to_buyer(order, "order_shipped")
    db.session.commit()
    (row,) = [n for n in _mine(buyer) if n.type_key == "orders.shipped"]
    assert row.link == f"/orders/{order.id}" and row.values["order"] == order.number
    assert (row.subject_kind, row.subject_id) == ("order", order.id)
    assert [m.to_addr for m in _outbox("order_shipped")] == [buyer.email]


def test_preferences_are_honoured_per_channel(app, placed_order):
    from orders.notify import to_buyer

    buyer, order, _variant = placed_order()
    prefs.set_preferences(buyer, [("orders.shipped", "email", "off")])
    to_buyer(order, "order_shipped")
    db.session.commit()
    assert [n.type_key for n in _mine(buyer)].count("orders.shipped") == 1
    assert _outbox("order_shipped") == []
    prefs.set_preferences(buyer, [("orders.shipped", "email", "on"), ("orders.shipped", "in_app", "off")])
    to_buyer(order, "order_shipped")
    db.session.commit()
    assert [n.type_key for n in _mine(buyer)].count("orders.shipped") == 1
    assert len(_outbox("order_shipped")) == 1
    # back to the defaults: no row is stored at all
    prefs.set_preferences(buyer, [("orders.shipped", "in_app", "on")])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0


def test_preloaded_choices_answer_many_recipients_from_one_query(app, make_user):
    """A notice to many shops' owners (a new request) reads their choices once, and still honours them."""
    kind = get_type("orders.shipped")
    users = [make_user() for _ in range(5)]
    prefs.set_preferences(users[0], [("orders.shipped", "email", "off")])
    db.session.commit()
    for user in users:
        db.session.refresh(user)  # loaded before counting
    ids = [user.id for user in users]
    with count_statements() as statements, prefs.preloaded(ids, [kind.key]):
        modes = [prefs.modes_for(user, kind) for user in users]
    assert len(statements) == 1
    assert [m["email"] for m in modes] == ["off", "on", "on", "on", "on"]
    with count_statements() as statements:  # outside the block: a query per recipient again
        prefs.modes_for(users[1], kind)
    assert len(statements) == 1


def test_an_unregistered_template_keeps_the_old_mail_path(app, make_user):
    user = make_user(locale="en")
    phone_only = make_user(mobile="+8613900001111")
    notify(user, "welcome", user=user, login_url="http://localhost/account/login")
    notify(phone_only, "welcome", user=phone_only, login_url="x")  # no sms values: nothing, as before
    db.session.commit()
    (mail,) = _outbox("welcome")
    assert mail.to_addr == user.email and mail.locale == "en"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert _outbox(channel=Channel.SMS) == []


def test_a_phone_only_user_gets_sms_and_the_centre_and_may_turn_sms_off(app, make_user, placed_order, make_shop):
    from orders.notify import to_buyer

    buyer, order, _variant = placed_order()
    farmer = make_user(mobile="+8613900002222")
    order.buyer = farmer  # the notice follows the order's buyer
    to_buyer(order, "order_shipped")
    db.session.commit()
    assert [m.to_addr for m in _outbox(channel=Channel.SMS)] == ["+8613900002222"]
    assert [n.type_key for n in _mine(farmer)] == ["orders.shipped"]
    grid = prefs.grid(farmer)
    assert grid["orders.shipped"] == {"in_app": "on", "email": "off", "sms": "on"}
    prefs.set_preferences(farmer, [("orders.shipped", "sms", "off")])
    to_buyer(order, "order_shipped")
    db.session.commit()
    assert len(_outbox(channel=Channel.SMS)) == 1
    assert len(_mine(farmer)) == 2


@pytest.mark.parametrize(("change", "code"), [
    (("orders.nope", "email", "off"), "unknown_type"),
    (("orders.shipped", "pigeon", "off"), "unknown_channel"),
    (("orders.shipped", "email", "sometimes"), "unknown_mode"),
    (("orders.shipped", "sms", "digest"), "unknown_mode"),
    (("shops.status", "email", "off"), "not_optional"),
    (("orders.shipped", "sms", "on"), "channel_unavailable"),  # no verified mobile
    (("orders.placed", "sms", "on"), "channel_unavailable"),  # not a channel of the type
])
def test_bad_preferences_are_refused_and_change_nothing(app, make_user, change, code):
    user = make_user()
    with pytest.raises(prefs.NotificationError) as refused:
        prefs.set_preferences(user, [("orders.paid", "email", "off"), change])
    assert refused.value.code == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0


def test_a_digest_needs_the_in_app_notice(app, make_user):
    user = make_user()
    with pytest.raises(prefs.NotificationError) as refused:
        prefs.set_preferences(user, [("orders.paid", "email", "digest"), ("orders.paid", "in_app", "off")])
    assert refused.value.code == "digest_needs_in_app"


def test_placing_an_order_tells_the_shop_in_one_insert(app, placed_order):
    buyer, order, variant = placed_order()
    owner = order.shop.members[0].user
    assert [n.type_key for n in _mine(owner)] == ["orders.new"]
    assert [n.type_key for n in _mine(buyer)] == ["orders.placed"]
    assert _mine(owner)[0].link == f"/merchant/orders/{order.id}"


def test_the_centre_marks_read_on_opening_and_hides_others_notifications(app, client, login, placed_order,
                                                                         make_user):
    _buyer, order, _variant = placed_order()
    owner = order.shop.members[0].user
    (row,) = _mine(owner)
    login(owner)
    page = client.get("/notifications").get_data(as_text=True)
    assert f"notification-{row.id}" in page and 'id="notification-bell"' in page
    assert "消息通知：1 条未读" in page
    opened = client.post(f"/notifications/{row.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"] == f"/merchant/orders/{order.id}"
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is not None
    assert "消息通知：没有未读" in client.get("/notifications").get_data(as_text=True)
    client.post("/account/logout")
    stranger = make_user()
    login(stranger)
    assert client.post(f"/notifications/{row.id}/open").status_code == 404
    assert client.post("/notifications/99999999999/open").status_code == 404
    assert client.get("/notifications?page=999999999").status_code == 200


def test_mark_all_read(app, client, login, placed_order):
    from orders.notify import to_buyer

    buyer, order, _variant = placed_order()
    to_buyer(order, "order_shipped")
    db.session.commit()
    login(buyer)
    assert client.post("/notifications/read-all").status_code == 303
    db.session.expire_all()
    assert all(n.read_at is not None for n in _mine(buyer))


def test_the_bell_costs_no_statement_whatever_the_count(app, client, login, make_user):
    user = make_user()
    login(user)
    client.get("/notifications")  # warm the templates

    def measure():
        db.session.remove()
        with count_statements() as sql:
            page = client.get("/account/")
        assert page.status_code == 200
        return len(sql), page.get_data(as_text=True)

    none, _ = measure()
    db.session.execute(sa.insert(Notification), [{"user_id": user.id, "type_key": "orders.paid", "params": "{}",
                                                  "digest_due": False} for _ in range(150)])
    db.session.commit()
    many, page = measure()
    assert many == none
    assert "消息通知：99 条以上未读" in page and "99+" in page


def test_the_anonymous_page_has_no_bell(app, client):
    assert 'id="notification-bell"' not in client.get("/").get_data(as_text=True)


def test_the_preferences_page_shows_the_grid_and_saves(app, client, login, make_user):
    user = make_user()
    login(user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="orders.paid:email"' in page and 'name="orders.paid:sms"' not in page  # no mobile: no SMS
    assert 'name="shops.status:email"' in page and "不能关闭" in page
    response = client.post("/account/notifications", data={"orders.paid:email": "digest", "orders.paid:in_app": "on"})
    assert response.status_code == 303
    assert prefs.grid(user)["orders.paid"]["email"] == "digest"
    response = client.post("/account/notifications", data={"orders.paid:email": "weekly"},
                           headers={"Referer": "http://localhost/account/notifications"})
    assert response.status_code == 303  # back to the page with the message; nothing changed
    assert prefs.grid(user)["orders.paid"]["email"] == "digest"


def test_a_password_change_is_an_account_notice_in_the_centre(app, make_user):
    from marketplace.accounts.services import set_password

    user = make_user()
    set_password(user, "a new horse battery 42")
    assert [n.type_key for n in _mine(user)] == ["accounts.password_changed"]
    assert [m.to_addr for m in _outbox("password_changed")] == [user.email]
    with pytest.raises(prefs.NotificationError):
        prefs.set_preferences(user, [("accounts.password_changed", "email", "off")])
