"""Issue 18's bad input on the reporting side, through the pages (the service checks are in
test_prices_entry.py): negative, zero, absurd and non-numeric prices, low > high, a unit that does
not convert, a day in the future or too far back, a reporter posting for another market (404), and
a duplicate day's import (updates, never duplicates). Each refusal says why, in the user's
language, and writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from prices.models import PriceChange, PriceObservation
from prices.services import BACKFILL_DAYS, local_today


def _count(model=PriceObservation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _file(text: str):
    return io.BytesIO(text.encode("utf-8"))


def _token(page: str) -> str:
    return page.split('name="token" value="')[1].split('"')[0]


@pytest.fixture
def desk(make_commodity, make_market, make_reporter, published):
    garlic = make_commodity()
    market = make_market(commodities=(garlic,))
    other = make_market("宁陵县农贸批发市场", name_en="Ningling Market", commodities=(garlic,))
    reporter = make_reporter(market)
    published(garlic, market, local_today() - dt.timedelta(days=1), 760)
    return garlic, market, other, reporter


@pytest.mark.parametrize(("values", "message"), [
    ({"avg": "-3"}, "不能为负数"),
    ({"avg": "0"}, "价格必须大于零"),
    ({"avg": "99999999"}, "价格高得不合常理"),
    ({"avg": "七块"}, None),
    ({"low": "9", "avg": "8", "high": "10"}, "最低价 ≤ 平均价 ≤ 最高价"),
    ({"low": "7", "avg": "8", "high": "6"}, "最低价 ≤ 平均价 ≤ 最高价"),  # low > high
    ({"avg": "8", "unit": "箱"}, "不能换算"),
    ({"avg": "8", "unit": "筐子"}, "不认识的单位"),
])
def test_the_grid_refuses_bad_prices_and_writes_nothing(client, login, desk, values, message):
    garlic, market, _other, reporter = desk
    login(reporter)
    before = (_count(), _count(PriceChange))
    form = {f"{k}-{garlic.id}": v for k, v in {"unit": "公斤", **values}.items()}
    response = client.post(f"/prices/report/{market.id}", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "有价格需要修改，未保存任何内容" in page and 'class="field-error"' in page
    assert message is None or message in page
    assert (_count(), _count(PriceChange)) == before


def test_the_grid_speaks_english(client, login, desk, make_reporter):
    garlic, market, _other, _reporter = desk
    login(make_reporter(market, locale="en"))
    page = client.post(f"/prices/report/{market.id}", data={f"avg-{garlic.id}": "0", f"unit-{garlic.id}": "箱"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The price must be above zero" in page
    assert _count() == 1


@pytest.mark.parametrize("days", [1, BACKFILL_DAYS + 1])
def test_a_day_in_the_future_or_too_far_back_is_refused(client, login, desk, days):
    garlic, market, _other, reporter = desk
    login(reporter)
    day = local_today() + dt.timedelta(days=days) if days == 1 else local_today() - dt.timedelta(days=days)
    response = client.post(f"/prices/report/{market.id}", data={"day": day.isoformat(), f"avg-{garlic.id}": "7",
                                                               f"unit-{garlic.id}": "公斤"})
    assert response.status_code == 400
    assert ("日期不能晚于今天" if days == 1 else "只能填报或更正最近") in response.get_data(as_text=True)
    assert _count() == 1
    assert client.post(f"/prices/report/{market.id}", data={"day": "2026-13-45"}).status_code == 404


CSV = "commodity,spec,unit,low,avg,high\n大蒜,,公斤,7.00,7.50,8.00\n"


@pytest.mark.parametrize(("row", "message"), [
    ("大蒜,,公斤,-1,7.5,8", "不能为负数"),
    ("大蒜,,公斤,7,99999999,99999999", "价格高得不合常理"),
    ("大蒜,,公斤,9,8,7", "最低价 ≤ 平均价 ≤ 最高价"),
    ("大蒜,,箱,7,8,9", "不能换算"),
    ("大蒜,,公斤,,,", "请填写价格"),
])
def test_the_import_refuses_a_bad_row_and_imports_nothing(client, login, desk, row, message):
    _garlic, market, _other, reporter = desk
    login(reporter)
    text = "commodity,spec,unit,low,avg,high\n大蒜,一级,公斤,1,2,3\n" + row + "\n"  # a good row, then the bad
    page = client.post(f"/prices/report/{market.id}/import",
                       data={"csv_file": (_file(text), "day.csv")}).get_data(as_text=True)
    assert "未导入任何价格" in page and message in page and 'name="token"' not in page
    assert _count() == 1


def test_another_markets_import_is_404_even_with_a_valid_token(client, login, desk, make_reporter):
    _garlic, market, other, reporter = desk
    login(reporter)
    assert client.post(f"/prices/report/{other.id}/import",
                       data={"csv_file": (_file(CSV), "day.csv")}).status_code == 404
    page = client.post(f"/prices/report/{market.id}/import",
                       data={"csv_file": (_file(CSV), "day.csv")}).get_data(as_text=True)
    token = _token(page)
    client.post("/account/logout")
    login(make_reporter(other))  # the other market's reporter holds the token of the first market
    assert client.post(f"/prices/report/{market.id}/import", data={"token": token}).status_code == 404
    assert client.post(f"/prices/report/{other.id}/import", data={"token": token}).status_code == 404
    assert client.post("/prices/review/1", data={"action": "approve"}).status_code == 403
    assert _count() == 1


def test_the_same_days_import_twice_updates_never_duplicates(client, login, desk):
    garlic, market, _other, reporter = desk
    login(reporter)
    url = f"/prices/report/{market.id}/import"
    for _ in range(2):
        page = client.post(url, data={"csv_file": (_file(CSV), "day.csv")}).get_data(as_text=True)
        assert client.post(url, data={"token": _token(page)}).status_code == 302
    assert "不变 1 条" in page
    rows = list(db.session.scalars(sa.select(PriceObservation).where(PriceObservation.day == local_today())))
    assert len(rows) == 1 and rows[0].avg_cents == 750 and len(rows[0].history) == 1
    # the grid entering the same day afterwards corrects the row, keeping the import in its history
    client.post(f"/prices/report/{market.id}", data={f"avg-{garlic.id}": "7.6", f"unit-{garlic.id}": "公斤"})
    db.session.expire_all()
    row = db.session.get(PriceObservation, rows[0].id)
    assert _count() == 2 and row.avg_cents == 760 and [h.avg_cents for h in row.history] == [750, 760]
