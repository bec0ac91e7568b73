"""Entering prices: the checks (bad input changes nothing), the reporter's scope (another market is a
404), the outlier hold and the officer's approval, corrections kept as history, the CSV import."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from prices.models import PriceChange, PriceObservation, PriceStatus
from prices.services import PriceError, check_values, local_today


def _count(model=PriceObservation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _grid(commodity, **values) -> dict:
    return {f"{k}-{commodity.id}": v for k, v in values.items()}


@pytest.fixture
def setup(make_commodity, make_market, make_reporter, published):
    garlic = make_commodity()
    pear = make_commodity("pear", "酥梨", "Crisp pear")
    market = make_market(commodities=(garlic, pear))
    other = make_market("宁陵县农贸批发市场", name_en="Ningling Market")
    reporter = make_reporter(market)
    yesterday = local_today() - dt.timedelta(days=1)
    published(garlic, market, yesterday, 760, low=700, high=820)
    published(pear, market, yesterday, 460)
    return garlic, pear, market, other, reporter


@pytest.mark.parametrize(("values", "field"), [
    ({"avg": "-3"}, "avg"),
    ({"avg": "0"}, "avg"),
    ({"avg": "abc"}, "avg"),
    ({"avg": "99999999"}, "avg"),  # absurd: above the sane maximum
    ({"low": "9", "avg": "8", "high": "10"}, "low"),  # low > avg
    ({"low": "7", "avg": "8", "high": "7.5"}, "low"),  # avg > high
    ({"avg": "8", "unit": "箱"}, "unit"),  # a package does not convert to 公斤
    ({"avg": "8", "unit": "筐子"}, "unit"),  # not a unit at all
    ({"avg": "8", "volume": "-5"}, "volume"),
])
def test_bad_values_are_refused_with_the_field(app, make_commodity, values, field):
    garlic = make_commodity()
    with pytest.raises(PriceError) as caught:
        check_values(garlic, unit=values.get("unit", "公斤"), low=values.get("low"), avg=values.get("avg"),
                     high=values.get("high"), volume=values.get("volume"))
    assert field in caught.value.errors


def test_units_convert_to_the_standard_unit(app, make_commodity):
    garlic = make_commodity()
    per_jin = check_values(garlic, unit="斤", low="3.50", avg="3.80", high="4.10")
    assert (per_jin.low, per_jin.avg, per_jin.high) == (350, 380, 410)
    assert (per_jin.std_low, per_jin.std_avg, per_jin.std_high) == (700, 760, 820)
    per_tonne = check_values(garlic, unit="吨", low=None, avg="7600", high=None)
    assert per_tonne.std_avg == per_tonne.std_low == 760
    assert check_values(garlic, unit="kg", low=None, avg="7.6", high=None).std_avg == 760


def test_reporter_enters_the_grid_outlier_is_held(client, login, setup):
    garlic, pear, market, _other, reporter = setup
    login(reporter)
    page = client.get(f"/prices/report/{market.id}").get_data(as_text=True)
    assert "¥7.60" in page and "大蒜" in page  # yesterday's value is shown
    form = {**_grid(garlic, unit="公斤", low="7.20", avg="7.80", high="8.20"),
            **_grid(pear, unit="斤", avg="3.50")}  # 7.00 /kg against 4.60: +52%
    response = client.post(f"/prices/report/{market.id}", data=form)
    assert response.status_code == 302
    rows = {o.commodity_id: o for o in db.session.scalars(sa.select(PriceObservation).where(
        PriceObservation.day == local_today()))}
    assert rows[garlic.id].status == PriceStatus.PUBLISHED
    assert rows[pear.id].status == PriceStatus.HELD
    assert rows[pear.id].std_avg_cents == 700 and rows[pear.id].reference_cents == 460
    assert rows[garlic.id].reporter_id == reporter.id


def test_a_bad_row_saves_nothing(client, login, setup):
    garlic, pear, market, _other, reporter = setup
    login(reporter)
    before = _count()
    form = {**_grid(garlic, unit="公斤", avg="7.80"), **_grid(pear, unit="公斤", low="5", avg="4", high="6")}
    response = client.post(f"/prices/report/{market.id}", data=form)
    assert response.status_code == 400
    assert "最低价 ≤ 平均价 ≤ 最高价" in response.get_data(as_text=True)
    assert _count() == before


def test_a_future_day_is_refused(client, login, setup):
    garlic, _pear, market, _other, reporter = setup
    login(reporter)
    before = _count()
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/prices/report/{market.id}", data={"day": tomorrow, **_grid(garlic, unit="公斤", avg="7")})
    assert response.status_code == 400
    assert "日期不能晚于今天" in response.get_data(as_text=True)
    assert _count() == before


def test_another_markets_reporter_gets_404(client, login, setup, make_user):
    garlic, _pear, market, other, reporter = setup
    login(reporter)
    assert client.get(f"/prices/report/{other.id}").status_code == 404
    assert client.post(f"/prices/report/{other.id}", data=_grid(garlic, unit="公斤", avg="7")).status_code == 404
    assert client.get(f"/prices/report/{other.id}/import").status_code == 404
    assert client.get("/prices/report/999999").status_code == 404
    client.post("/account/logout")
    login(make_user())  # no grant at all
    assert client.get(f"/prices/report/{market.id}").status_code == 404
    assert client.get("/prices/review").status_code == 403


def test_officer_approves_and_corrects_history_kept(client, login, setup, officer):
    garlic, pear, market, _other, reporter = setup
    login(reporter)
    client.post(f"/prices/report/{market.id}", data={**_grid(pear, unit="公斤", avg="7.10"),
                                                     **_grid(garlic, unit="公斤", avg="12.00")})
    held = {o.commodity_id: o for o in db.session.scalars(sa.select(PriceObservation).where(
        PriceObservation.status == PriceStatus.HELD))}
    assert set(held) == {pear.id, garlic.id}
    client.post("/account/logout")
    login(officer)
    page = client.get("/prices/review").get_data(as_text=True)
    assert "酥梨" in page and "待审核" in page
    assert client.get("/prices").get_data(as_text=True).count("¥7.10") == 0  # not public while held
    client.post(f"/prices/review/{held[pear.id].id}", data={"action": "approve"})
    client.post(f"/prices/review/{held[garlic.id].id}", data={"action": "correct", "avg": "8.00"})
    db.session.expire_all()
    pear_row, garlic_row = db.session.get(PriceObservation, held[pear.id].id), db.session.get(
        PriceObservation, held[garlic.id].id)
    assert pear_row.status == garlic_row.status == PriceStatus.PUBLISHED
    assert garlic_row.avg_cents == garlic_row.low_cents == 800
    steps = [(h.from_status, h.to_status, h.avg_cents, h.actor_id) for h in garlic_row.history]
    assert steps == [(None, PriceStatus.HELD, 1200, reporter.id), (PriceStatus.HELD, PriceStatus.PUBLISHED, 800,
                                                                   officer.id)]
    # approving again is refused by the machine and changes nothing
    client.post(f"/prices/review/{held[pear.id].id}", data={"action": "approve"})
    assert len(db.session.get(PriceObservation, held[pear.id].id).history) == 2
    assert "¥7.10" in client.get("/prices").get_data(as_text=True)


def test_reporter_correction_keeps_history(client, login, setup):
    garlic, _pear, market, _other, reporter = setup
    login(reporter)
    client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="公斤", avg="7.80"))
    client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="公斤", avg="7.90"))
    client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="公斤", avg="7.90"))  # unchanged: nothing
    row = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.day == local_today()))
    assert row.avg_cents == 790
    assert [h.avg_cents for h in row.history] == [780, 790]
    assert _count(PriceChange) == 2


def test_officer_rejects(client, login, setup, officer):
    _garlic, pear, market, _other, reporter = setup
    login(reporter)
    client.post(f"/prices/report/{market.id}", data=_grid(pear, unit="公斤", avg="9.00"))
    row = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.status == PriceStatus.HELD))
    client.post("/account/logout")
    login(officer)
    client.post(f"/prices/review/{row.id}", data={"action": "reject", "note": "单位填错"})
    db.session.expire_all()
    row = db.session.get(PriceObservation, row.id)
    assert row.status == PriceStatus.REJECTED and row.history[-1].note == "单位填错"


CSV = "commodity,spec,unit,low,avg,high,volume,origin\n大蒜,,公斤,7.00,7.50,8.00,1200,中牟县\npear,一级,斤,2.20,2.40,2.60,,宁陵县\n"


def test_csv_import_dry_run_then_all_or_nothing_and_duplicate_updates(client, login, setup):
    garlic, pear, market, _other, reporter = setup
    login(reporter)
    url = f"/prices/report/{market.id}/import"
    page = client.post(url, data={"csv_file": (_file(CSV), "day.csv")}).get_data(as_text=True)
    assert "新增 2 条" in page and _count() == 2  # the dry run wrote nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    assert client.post(url, data={"token": token}).status_code == 302
    assert _count() == 4
    # the same day again with one price changed: updates, never duplicates
    page = client.post(url, data={"csv_file": (_file(CSV.replace("7.50", "7.60")), "day.csv")}).get_data(as_text=True)
    assert "更新 1 条" in page and "不变 1 条" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    client.post(url, data={"token": token})
    assert _count() == 4
    row = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.commodity_id == garlic.id,
                                                              PriceObservation.day == local_today()))
    assert row.avg_cents == 760 and row.volume == 1200 and row.origin == "中牟县"
    assert [h.avg_cents for h in row.history] == [750, 760]
    spec_row = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.spec == "一级"))
    assert spec_row.std_avg_cents == 480 and spec_row.commodity_id == pear.id


def test_csv_import_with_one_bad_row_imports_nothing(client, login, setup):
    _garlic, _pear, market, _other, reporter = setup
    login(reporter)
    bad = CSV + "大蒜,特级,箱,1,2,3,,\n西瓜,,公斤,1,2,3,,\n大蒜,,公斤,8,9,10,,\n"
    page = client.post(f"/prices/report/{market.id}/import",
                       data={"csv_file": (_file(bad), "day.csv")}).get_data(as_text=True)
    assert "未导入任何价格" in page and "没有这个品种" in page and "不能换算" in page and "重复" in page
    assert 'name="token"' not in page
    assert _count() == 2
    # a stolen or invented token is a 404, and so is a future day
    assert client.post(f"/prices/report/{market.id}/import", data={"token": "0" * 32}).status_code == 404
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    page = client.post(f"/prices/report/{market.id}/import",
                       data={"day": tomorrow, "csv_file": (_file(CSV), "d.csv")}).get_data(as_text=True)
    assert "日期不能晚于今天" in page and _count() == 2


def _file(text: str):
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_a_draft_is_not_public_and_publishes_later(client, login, setup):
    garlic, _pear, market, _other, reporter = setup
    login(reporter)
    client.post(f"/prices/report/{market.id}", data={"action": "draft", **_grid(garlic, unit="公斤", avg="7.70")})
    row = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.day == local_today()))
    assert row.status == PriceStatus.DRAFT
    assert "¥7.70" not in client.get("/prices").get_data(as_text=True)
    client.post(f"/prices/report/{market.id}", data=_grid(garlic, unit="公斤", avg="7.70"))
    db.session.expire_all()
    assert db.session.get(PriceObservation, row.id).status == PriceStatus.PUBLISHED
    # a published price cannot go back to a draft: refused, nothing changed
    response = client.post(f"/prices/report/{market.id}", data={"action": "draft",
                                                                **_grid(garlic, unit="公斤", avg="7.75")})
    assert response.status_code == 400 and "不能再存为草稿" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PriceObservation, row.id).avg_cents == 770


def test_a_bad_correction_changes_nothing(client, login, setup, officer):
    _garlic, pear, market, _other, reporter = setup
    login(reporter)
    client.post(f"/prices/report/{market.id}", data=_grid(pear, unit="公斤", avg="9.00"))
    row = db.session.scalar(sa.select(PriceObservation).where(PriceObservation.status == PriceStatus.HELD))
    client.post("/account/logout")
    login(officer)
    page = client.post(f"/prices/review/{row.id}", data={"action": "correct", "low": "9", "avg": "5", "high": "6"},
                       follow_redirects=True).get_data(as_text=True)
    assert "最低价 ≤ 平均价 ≤ 最高价" in page
    db.session.expire_all()
    row = db.session.get(PriceObservation, row.id)
    assert row.status == PriceStatus.HELD and row.avg_cents == 900 and len(row.history) == 1
    assert client.post("/prices/review/999999", data={"action": "approve"}).status_code == 404
