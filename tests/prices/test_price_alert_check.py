"""Telling price alerts when a published price crosses them: through every way a price publishes
(the reporter's grid, the CSV import, the officer's approval and correction), once per alert,
market and day (run twice, or two publishes at once: one notice), in the centre, by mail and SMS,
and with one alerts query whatever the number of alerts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from marketplace.notifications.models import Notification
from prices.alert_check import check_alerts, crosses
from prices.alert_models import ANY_MARKET, AlertDirection, PriceAlert, PriceAlertNotice
from prices.models import PriceObservation, PriceStatus
from prices.services import local_today
from tests.at_once import at_once


def _alert(user, commodity, threshold: int, direction="above", market=None, active=True) -> PriceAlert:
    alert = PriceAlert(user_id=user.id, commodity_id=commodity.id, market_id=market.id if market else None,
                       market_key=market.id if market else ANY_MARKET, direction=AlertDirection(direction),
                       threshold_cents=threshold, entered_unit="公斤", entered_cents=threshold, active=active)
    db.session.add(alert)
    db.session.commit()
    return alert


def _notices(user=None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.type_key == "prices.alert").order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def _grid(commodity, **values) -> dict:
    return {f"{k}-{commodity.id}": v for k, v in values.items()}


@pytest.fixture
def setup(make_commodity, make_market, make_reporter, make_user, published):
    garlic = make_commodity()
    pear = make_commodity("pear", "酥梨", "Crisp pear")
    market = make_market(commodities=(garlic, pear))
    other = make_market("宁陵县农贸批发市场", name_en="Ningling Market", commodities=(garlic,))
    reporter = make_reporter(market)
    yesterday = local_today() - dt.timedelta(days=1)
    published(garlic, market, yesterday, 760)
    published(pear, market, yesterday, 460)
    return garlic, pear, market, other, reporter, make_user


@pytest.mark.parametrize(("direction", "threshold", "value", "previous", "expected"), [
    ("above", 800, 820, 760, True),    # rose through it
    ("above", 800, 800, 760, True),    # reached it
    ("above", 800, 790, 760, False),   # still under
    ("above", 800, 820, 810, False),   # was above already
    ("above", 800, 820, None, True),   # no earlier price: beyond it is news
    ("below", 700, 690, 760, True),
    ("below", 700, 700, 760, True),
    ("below", 700, 690, 650, False),
    ("below", 700, 710, None, False),
])
def test_crosses(direction, threshold, value, previous, expected):
    assert crosses(direction, threshold, value, previous) is expected


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(threshold=st.integers(1, 10_000), values=st.lists(st.integers(1, 10_000), min_size=1, max_size=30))
def test_an_above_alert_tells_once_per_rise_through_the_threshold(threshold, values):
    """Over a series of daily prices, the notices are the days the price went from under to at or
    over the threshold (the first day counts when it starts there); never two days in a row."""
    told = [i for i, v in enumerate(values) if crosses("above", threshold, v, values[i - 1] if i else None)]
    assert told == [i for i, v in enumerate(values) if v >= threshold and (i == 0 or values[i - 1] < threshold)]
    assert all(b - a > 1 for a, b in zip(told, told[1:]))
    below = [i for i, v in enumerate(values) if crosses("below", threshold, v, values[i - 1] if i else None)]
    assert not set(told) & set(below) or all(values[i] == threshold for i in set(told) & set(below))


def test_the_reporters_publish_tells_the_crossed_alerts_once(client, login, setup):
    garlic, pear, market, other, reporter, make_user = setup
    buyer, farmer, paused, elsewhere, pear_fan = (make_user(), make_user(mobile="+8613900000001"),
                                                  make_user(), make_user(), make_user())
    crossed = _alert(buyer, garlic, 800, market=market)
    any_market = _alert(farmer, garlic, 790)  # a phone-only account: in the centre and by SMS
    _alert(buyer, garlic, 900)           # not reached
    _alert(buyer, garlic, 700, "below")  # the other way
    _alert(paused, garlic, 800, active=False)
    _alert(elsewhere, garlic, 800, market=other)
    _alert(pear_fan, pear, 400, "below")  # the pear is not published today
    login(reporter)
    assert client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="斤", avg="4.10")).status_code == 302
    notices = _notices()
    assert sorted(n.user_id for n in notices) == sorted([buyer.id, farmer.id])
    (told,) = _notices(buyer)
    assert told.link == "/prices/garlic" and told.subject_kind == "price_alert" and told.subject_id == crossed.id
    assert "¥8.20" in told.params and "¥8.00" in told.params and '"direction": "above"' in told.params
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == buyer.email))
    assert mail is not None and "¥8.20" in mail.body_text and "/prices/garlic" in mail.body_text
    sms = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == farmer.mobile))
    assert sms is not None and "¥8.20" in sms.body_text
    notice = db.session.scalar(sa.select(PriceAlertNotice).where(PriceAlertNotice.alert_id == any_market.id))
    assert (notice.market_id, notice.day, notice.std_avg_cents) == (market.id, local_today(), 820)

    # the reporter corrects the same day's price (down and up again): nobody is told twice
    client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="公斤", avg="7.10"))
    client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="公斤", avg="8.30"))
    assert len(_notices()) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceAlertNotice)) == 2
    # his list shows when each alert last told him
    client.post("/account/logout")
    login(buyer)
    page = client.get("/prices/alerts").get_data(as_text=True)
    row = page.split(f'id="alert-{crossed.id}"')[1].split("</tr>")[0]
    assert "—" not in row and str(local_today().year) in row


def test_running_the_check_twice_tells_once_and_staying_above_tells_nobody(app, setup, published):
    garlic, _pear, market, _other, _reporter, make_user = setup
    buyer = make_user()
    _alert(buyer, garlic, 800)
    yesterday = local_today() - dt.timedelta(days=1)
    db.session.execute(sa.delete(PriceObservation).where(PriceObservation.commodity_id == garlic.id))
    db.session.commit()
    first = published(garlic, market, yesterday, 850)  # no earlier price, and beyond: a crossing
    assert check_alerts([first.id]) == 1
    assert check_alerts([first.id]) == 0
    assert len(_notices(buyer)) == 1
    # the next day stays above: not a crossing
    today = published(garlic, market, local_today(), 870)
    assert check_alerts([today.id]) == 0
    # a back-filled older day is history, not news; an unknown id is nothing
    old = published(garlic, market, local_today() - dt.timedelta(days=5), 990)
    assert check_alerts([old.id]) == 0
    assert check_alerts([]) == 0 and check_alerts([999999]) == 0
    assert len(_notices(buyer)) == 1
    # deleting the alert takes its notice rows with it (the notification stays in his centre)
    from prices.alerts import delete

    delete(db.session.scalar(sa.select(PriceAlert).where(PriceAlert.user_id == buyer.id)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceAlertNotice)) == 0
    assert len(_notices(buyer)) == 1


def test_a_held_price_tells_when_the_officer_approves_it(client, login, setup, officer):
    garlic, pear, market, _other, reporter, make_user = setup
    buyer = make_user()
    _alert(buyer, pear, 800, market=market)
    login(reporter)
    client.post(f"/prices/report/{market.id}", data=_grid(pear, unit="公斤", avg="9.00"))  # +96%: held
    held = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.status == PriceStatus.HELD))
    assert held is not None and _notices() == []
    client.post("/account/logout")
    login(officer)
    client.post(f"/prices/review/{held.id}", data={"action": "approve"})
    assert len(_notices(buyer)) == 1
    # his correction of the published price the same day: still one notice
    client.post(f"/prices/review/{held.id}", data={"action": "correct", "low": "8.5", "avg": "8.8", "high": "9"})
    db.session.expire_all()
    assert db.session.get(PriceObservation, held.id).avg_cents == 880
    assert len(_notices(buyer)) == 1


def test_the_officers_correction_can_be_the_crossing(client, login, setup, officer, published):
    garlic, _pear, market, _other, _reporter, make_user = setup
    buyer = make_user()
    _alert(buyer, garlic, 700, "below", market=market)
    obs = published(garlic, market, local_today(), 740)
    login(officer)
    client.post(f"/prices/review/{obs.id}", data={"action": "correct", "low": "6.8", "avg": "6.9", "high": "7"})
    (told,) = _notices(buyer)
    assert "¥6.90" in told.params


CSV = "commodity,spec,unit,low,avg,high\n大蒜,,公斤,8.00,8.40,8.80\n大蒜,一级,公斤,8.50,9.00,9.50\n"


def test_the_csv_import_tells_once_for_two_specs(client, login, setup):
    garlic, _pear, market, _other, reporter, make_user = setup
    buyer = make_user()
    _alert(buyer, garlic, 800, market=market)
    login(reporter)
    url = f"/prices/report/{market.id}/import"
    page = client.post(url, data={"csv_file": (io.BytesIO(CSV.encode()), "d.csv")}).get_data(as_text=True)
    assert _notices() == []  # the dry run publishes nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    assert client.post(url, data={"token": token}).status_code == 302
    assert len(_notices(buyer)) == 1  # the ordinary grade and 一级 both crossed: one notice for the day


def test_two_publishes_at_once_tell_once(app, setup, published, officer):
    """Two workers publish the same commodity, market and day at the same instant (the officer
    approves the held ordinary grade while the import writes 一级): one notice."""
    from marketplace.accounts.models import User
    from prices.models import Commodity, Market
    from prices.services import approve, check_values, record

    garlic, _pear, market, _other, _reporter, make_user = setup
    buyer = make_user()
    _alert(buyer, garlic, 800)
    held = PriceObservation(commodity_id=garlic.id, market_id=market.id, day=local_today(), spec="", unit="公斤",
                            low_cents=1500, avg_cents=1500, high_cents=1500, std_low_cents=1500,
                            std_avg_cents=1500, std_high_cents=1500, status=PriceStatus.HELD, source="test")
    db.session.add(held)
    db.session.commit()
    ids = (held.id, garlic.id, market.id, officer.id)

    def work(which):
        if which == "approve":
            return approve(ids[0], db.session.get(User, ids[3])).status.value
        from marketplace.db import atomic

        commodity, where = db.session.get(Commodity, ids[1]), db.session.get(Market, ids[2])
        with atomic():
            obs, _written = record(where, commodity, local_today(), check_values(commodity, unit="公斤", low=None,
                                   avg="14", high=None), None, spec="一级")
        return obs.status.value

    turns = iter(["approve", "record"])
    results = at_once(app, work, prepare=lambda: next(turns))
    db.session.expire_all()
    assert sorted(str(r) for r in results) == ["published", "published"], results
    assert len(_notices(buyer)) == 1


def test_two_checks_at_once_tell_once(app, setup, published):
    garlic, _pear, market, _other, _reporter, make_user = setup
    buyers = [make_user() for _ in range(3)]
    for buyer in buyers:
        _alert(buyer, garlic, 800)
    obs = published(garlic, market, local_today(), 850)
    results = at_once(app, lambda _prepared: check_alerts([obs.id]))
    db.session.expire_all()
    assert sorted(r for r in results if isinstance(r, int)) in ([0, 3], [3]), results
    assert sorted(n.user_id for n in _notices()) == sorted(b.id for b in buyers)


def test_one_alerts_query_whatever_the_number_of_alerts(app, setup, published):
    garlic, _pear, market, _other, _reporter, make_user = setup
    obs_id = published(garlic, market, local_today(), 750).id  # crosses nobody: it stays between
    _alert(make_user(), garlic, 900)
    few, many = [], []

    def counted(into: list) -> None:
        def listener(_conn, _cursor, statement, *_args):
            into.append(statement)

        db.session.remove()
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert check_alerts([obs_id]) == 0
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)

    counted(few)
    garlic = db.session.merge(garlic)
    for n in range(12):
        _alert(make_user(), garlic, 900 + n)
        _alert(make_user(), garlic, 500 + n, "below")
    counted(many)
    assert len(few) == len(many) <= 4, [str(s)[:80] for s in many]
