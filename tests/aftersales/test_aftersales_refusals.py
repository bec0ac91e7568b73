"""Every bad after-sales request is refused with a clear message and changes nothing: above what was
paid or bought, after the window, a file that is not an image, too many photos, someone else's order
or request (404), a second request while one is open, a request before the shop took the order."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from aftersales import services
from aftersales.errors import AfterSaleError
from aftersales.models import AfterSale, AfterSalePhoto
from marketplace.extensions import db
from orders.models import Order
from payments import refunds
from tests.aftersales.conftest import photo_bytes


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _ask(order, **kw):
    values = {"kind": "refund", "reason": "quality", "lines": {order.lines[0].id: 1}}
    return services.request_after_sale(order, order.buyer, **{**values, **kw})


@pytest.mark.parametrize(("kw", "message"), [
    ({"amount": "10.01"}, "不能超过"),                    # above the line's value (1 box = 10.00)
    ({"amount": "-1"}, "负数"),
    ({"amount": "1e9"}, ""),
    ({"lines": {"LINE": 6}}, "最多可申请 5"),           # more than bought
    ({"lines": {"LINE": -1}}, "最多可申请"),
    ({"lines": {"LINE": "两"}}, "整数"),
    ({"lines": {}}, "请选择"),
    ({"kind": "exchange"}, "售后类型"),
    ({"reason": "because"}, "原因"),
    ({"description": "很" * 501}, "太长"),
])
def test_bad_requests_change_nothing(received, kw, message):
    order = received()
    if "lines" in kw:
        kw = {**kw, "lines": {(order.lines[0].id if k == "LINE" else k): v for k, v in kw["lines"].items()}}
    with pytest.raises(AfterSaleError) as caught:
        _ask(order, **kw)
    assert message in str(caught.value)
    assert _count(AfterSale) == 0


def test_a_refund_above_what_was_paid_is_refused(received):
    order = received(qty=2)
    owner = order.shop.members[0].user
    refunds.refund_order(order, owner, amount_cents=1500, reason="先退了一部分")  # 5.00 left of 20.00
    with pytest.raises(AfterSaleError, match="不能超过"):
        _ask(order, amount="6.00")
    case = _ask(order)  # 1 box is worth 10.00 but only 5.00 is left: asked for at most that
    assert case.amount_cents == 500


def test_a_line_of_another_order_is_not_found(received):
    order, other = received(), received()
    with pytest.raises(AfterSaleError) as caught:
        _ask(order, lines={other.lines[0].id: 1})
    assert caught.value.status == 404


def test_after_the_window_the_buyer_cannot_ask(received):
    order = received()
    db.session.execute(sa.update(Order).where(Order.id == order.id)
                       .values(delivered_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
    db.session.commit()
    with pytest.raises(AfterSaleError, match="已超过售后期限（收货后 7 天）"):
        _ask(order)
    services.save_window(order.shop, "10")  # the shop's own window
    assert _ask(order).status.value == "requested"


@pytest.mark.parametrize("days", ["0", "91", "-3", "七", "1e3", ""])
def test_a_bad_window_is_refused(received, days):
    order = received()
    with pytest.raises(AfterSaleError):
        services.save_window(order.shop, days)
    assert services.window_days(order.shop_id) == 7


def test_before_the_shop_took_the_order_the_buyer_cancels_instead(make_group, make_variant):
    order = make_group(items=[(make_variant(price=1000, stock=5, direct=False), 1)]).orders[0]
    with pytest.raises(AfterSaleError, match="只有已付款且商家已接单"):
        _ask(order)


def test_a_return_needs_the_goods_to_have_left(received):
    order = received(deliver=False)  # accepted, not handed over
    with pytest.raises(AfterSaleError, match="请申请仅退款"):
        _ask(order, kind="return")
    assert _ask(order).kind.value == "refund"


def test_one_open_request_per_order(received):
    order = received()
    _ask(order)
    with pytest.raises(AfterSaleError, match="已有处理中的售后申请") as caught:
        _ask(order)
    assert caught.value.status == 409 and _count(AfterSale) == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("bad.jpg", b"not an image at all", "不是支持的图片"),
    ("script.png", b"<svg onload=alert(1)>", "不是支持的图片"),
    ("cut.jpg", photo_bytes()[:200], "损坏"),
])
def test_a_photo_that_is_not_an_image_is_refused(received, name, data, message):
    from werkzeug.datastructures import FileStorage

    order = received()
    good = FileStorage(stream=io.BytesIO(photo_bytes()), filename="ok.jpg")
    with pytest.raises(AfterSaleError) as caught:
        _ask(order, uploads=[good, FileStorage(stream=io.BytesIO(data), filename=name)])
    assert message in str(caught.value) and name in str(caught.value)
    assert _count(AfterSale) == 0 and _count(AfterSalePhoto) == 0


def test_too_many_photos_are_refused(received, app):
    from werkzeug.datastructures import FileStorage

    order = received()
    files = [FileStorage(stream=io.BytesIO(photo_bytes()), filename=f"{i}.jpg") for i in range(7)]
    with pytest.raises(AfterSaleError, match="最多上传 6 张"):
        _ask(order, uploads=files)
    assert _count(AfterSale) == 0
