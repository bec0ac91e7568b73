"""Subscribing to price alerts and managing them: the commodity page's form, units that convert,
bad input refused in the user's language with nothing changed, a double submit making one alert,
the per-user limit, CSRF, and "my price alerts" (pause, edit, delete; another user's alert is 404)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from prices.alert_models import AlertDirection, PriceAlert


def _alerts(user=None) -> list[PriceAlert]:
    query = sa.select(PriceAlert).order_by(PriceAlert.id)
    if user is not None:
        query = query.where(PriceAlert.user_id == user.id)
    return list(db.session.scalars(query))


@pytest.fixture
def garlic_market(make_commodity, make_market):
    garlic = make_commodity()
    market = make_market(commodities=(garlic,))
    return garlic, market


def test_a_visitor_sees_a_sign_in_link_and_cannot_post(client, garlic_market):
    garlic, _market = garlic_market
    page = client.get("/prices/garlic").get_data(as_text=True)
    assert 'id="alert-login"' in page and 'id="alert-form"' not in page
    response = client.post("/prices/garlic/alerts", data={"direction": "above", "price": "8"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert _alerts() == []


def test_subscribe_per_jin_converts_and_a_double_submit_makes_one(client, login, make_user, garlic_market):
    garlic, market = garlic_market
    user = make_user()
    login(user)
    page = client.get("/prices/garlic").get_data(as_text=True)
    assert 'id="alert-form"' in page and "任一市场" in page and 'value="斤"' in page
    form = {"direction": "below", "price": "3.50", "unit": "斤", "market": str(market.id)}
    response = client.post("/prices/garlic/alerts", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/prices/alerts")
    assert client.post("/prices/garlic/alerts", data=form).status_code == 302  # the double submit
    (alert,) = _alerts(user)
    assert (alert.direction, alert.threshold_cents, alert.entered_cents, alert.entered_unit, alert.market_id) == (
        AlertDirection.BELOW, 700, 350, "斤", market.id)
    page = client.get("/prices/alerts").get_data(as_text=True)
    assert "您已订阅过这条价格提醒" in page and "¥3.50/斤" in page and "大蒜" in page
    # the same threshold on every market is another alert
    client.post("/prices/garlic/alerts", data={**form, "market": ""})
    assert [a.market_id for a in _alerts(user)] == [market.id, None]


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"price": "-3"}, "price", "不能为负数"),
    ({"price": "0"}, "price", "价格必须大于零"),
    ({"price": "abc"}, "price", None),
    ({"price": ""}, "price", "请填写价格"),
    ({"price": "99999999"}, "price", "价格高得不合常理"),
    ({"price": "8", "unit": "箱"}, "unit", "不能换算"),
    ({"price": "8", "unit": "筐子"}, "unit", "不认识的单位"),
    ({"price": "8", "direction": "sideways"}, "direction", "请选择"),
    ({"price": "8", "market": "999999"}, "market", "没有这个市场"),
    ({"price": "8", "market": "x1"}, "market", "没有这个市场"),
])
def test_bad_input_is_refused_and_changes_nothing(client, login, make_user, garlic_market, form, field, message):
    user = make_user()
    login(user)
    data = {"direction": "above", "unit": "公斤", **form}
    response = client.post("/prices/garlic/alerts", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="alert-error"' in page and (message is None or message in page)
    assert f'value="{form["price"]}"' in page  # the form is refilled
    assert _alerts() == []


def test_messages_in_english(client, login, make_user, garlic_market):
    login(make_user(locale="en"))
    page = client.post("/prices/garlic/alerts", data={"direction": "above", "price": "-1", "unit": "箱"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The amount cannot be negative" in page and "Price alert not saved" in page
    assert _alerts() == []


def test_at_most_n_alerts_per_user(app, client, login, make_user, garlic_market):
    app.config["PRICE_ALERTS_PER_USER"] = 2
    user = make_user()
    login(user)
    for price in ("8", "9"):
        assert client.post("/prices/garlic/alerts", data={"direction": "above", "price": price}).status_code == 302
    response = client.post("/prices/garlic/alerts", data={"direction": "above", "price": "10"})
    assert response.status_code == 409 and "每人最多 2 条价格提醒" in response.get_data(as_text=True)
    assert len(_alerts(user)) == 2
    # the same one again is not a new alert: it is answered, not refused
    assert client.post("/prices/garlic/alerts", data={"direction": "above", "price": "9"}).status_code == 302


def test_pause_resume_edit_delete_and_anothers_alert_is_404(client, login, make_user, garlic_market):
    garlic, market = garlic_market
    owner, other = make_user(), make_user()
    login(owner)
    client.post("/prices/garlic/alerts", data={"direction": "above", "price": "8"})
    client.post("/prices/garlic/alerts", data={"direction": "above", "price": "9"})
    first, second = _alerts(owner)
    assert client.post(f"/prices/alerts/{first.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PriceAlert, first.id).active is False
    assert "已暂停" in client.get("/prices/alerts").get_data(as_text=True)
    client.post(f"/prices/alerts/{first.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(PriceAlert, first.id).active is True

    page = client.get(f"/prices/alerts/{first.id}/edit").get_data(as_text=True)
    assert 'value="8.00"' in page
    response = client.post(f"/prices/alerts/{first.id}/edit",
                           data={"direction": "below", "price": "3.2", "unit": "斤", "market": str(market.id)})
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(PriceAlert, first.id)
    assert (edited.direction, edited.threshold_cents, edited.market_key) == (AlertDirection.BELOW, 640, market.id)
    # editing into a copy of another alert, or a bad value, is refused and changes nothing
    response = client.post(f"/prices/alerts/{first.id}/edit", data={"direction": "above", "price": "9"})
    assert response.status_code == 409 and "相同的价格提醒" in response.get_data(as_text=True)
    response = client.post(f"/prices/alerts/{first.id}/edit", data={"direction": "above", "price": "-9"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(PriceAlert, first.id).threshold_cents == 640

    client.post("/account/logout")
    login(other)
    for url in (f"/prices/alerts/{second.id}/active", f"/prices/alerts/{second.id}/delete",
                f"/prices/alerts/{second.id}/edit", "/prices/alerts/999999/delete"):
        assert client.post(url, data={"active": "0", "direction": "above", "price": "1"}).status_code == 404
    assert client.get(f"/prices/alerts/{second.id}/edit").status_code == 404
    assert "no-alerts" in client.get("/prices/alerts").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PriceAlert, second.id).active and db.session.get(PriceAlert, second.id).threshold_cents == 900

    client.post("/account/logout")
    login(owner)
    assert client.post(f"/prices/alerts/{second.id}/delete").status_code == 302
    assert [a.id for a in _alerts(owner)] == [first.id]


def test_a_post_without_the_csrf_token_is_refused(csrf_app, make_user, make_commodity):
    from tests.conftest import csrf_token_from

    make_commodity()
    user = make_user()
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post("/account/login", data={"email": user.email, "password": "correct horse 42", "csrf_token": token})
    response = client.post("/prices/garlic/alerts", data={"direction": "above", "price": "8"})
    assert response.status_code == 400
    assert _alerts() == []
    token = csrf_token_from(client.get("/prices/garlic").get_data(as_text=True))
    response = client.post("/prices/garlic/alerts", data={"direction": "above", "price": "8", "csrf_token": token})
    assert response.status_code == 302 and len(_alerts()) == 1


def test_an_unknown_commodity_is_404(client, login, make_user):
    login(make_user())
    assert client.post("/prices/nothing/alerts", data={"direction": "above", "price": "8"}).status_code == 404


def test_demo_alerts_one_already_told(app, regions, make_user):
    from marketplace.notifications.models import Notification
    from prices.alert_models import PriceAlertNotice
    from prices.seed import seed_demo

    for email in ("buyer@demo.example", "buyer2@demo.example", "factory@demo.example"):
        make_user(email)
    assert seed_demo()["alerts"] == 5
    db.session.commit()
    assert seed_demo()["alerts"] == 0
    db.session.commit()
    (notice,) = db.session.scalars(sa.select(PriceAlertNotice))
    (told,) = db.session.scalars(sa.select(Notification).where(Notification.type_key == "prices.alert"))
    alert = db.session.get(PriceAlert, notice.alert_id)
    assert told.user_id == alert.user_id and alert.user.email == "factory@demo.example"
    assert told.link == "/prices/wheat" and "/斤" not in told.params and '"unit": "斤"' in told.params
    assert all(a.threshold_cents > 0 for a in _alerts())


def test_alerts_are_in_the_export_and_go_with_the_account(client, login, make_user, garlic_market):
    from marketplace.privacy.erasure import delete_account
    from marketplace.privacy.export import collect

    user, other = make_user(), make_user()
    login(user)
    client.post("/prices/garlic/alerts", data={"direction": "above", "price": "8.5", "unit": "公斤"})
    client.post("/account/logout")
    login(other)
    client.post("/prices/garlic/alerts", data={"direction": "above", "price": "8.5", "unit": "公斤"})
    (mine,) = collect(user)["sections"]["price_alerts"]
    assert (mine["commodity"], mine["direction"], mine["price_cents"], mine["market"]) == ("garlic", "above", 850, None)
    delete_account(user, actor=make_user(roles=("admin",)), note="申请单 1")
    db.session.expire_all()
    assert [a.user_id for a in _alerts()] == [other.id]


def test_two_submits_at_once_make_one_alert(app, make_user, garlic_market):
    from marketplace.accounts.models import User
    from prices.alerts import subscribe
    from prices.models import Commodity
    from tests.at_once import at_once

    garlic, _market = garlic_market
    user_id, garlic_id = make_user().id, garlic.id

    def work(_prepared):
        alert, _created = subscribe(db.session.get(User, user_id), db.session.get(Commodity, garlic_id),
                                    direction="above", price="8.80", unit="公斤", market_id="")
        return alert.id

    results = at_once(app, work)
    assert len(_alerts()) == 1, results
    assert {r for r in results if isinstance(r, int)} == {_alerts()[0].id}, results
