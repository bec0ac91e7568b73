"""WeChat Pay's daily trade bill read against the books (the real SDK's bill calls against the local
fake, the gzip download and its SHA1): each trade's fee and a refund's fee given back are booked
once, a trade paid there whose notification was lost is settled, a trade we do not know or whose
amount differs is reported, and a second run changes nothing. The ledger balances (the suite's
fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderStatus
from payments import wechat_bill
from payments.models import Account, LedgerEntry, Payment, PaymentMethod, PaymentStatus
from tests.payments.fake_wechatpay import APPID, MCHID

#: The app pays through the WeChat Pay fake (tests/payments/conftest.py); Stripe is off.
WECHAT_PAY = True


@pytest.fixture
def stripe_keys():
    return False


DAY = dt.date(2026, 12, 4)


def _trade(client, group) -> Payment:
    client.post(f"/payments/group/{group.id}/online/wechat_pay")
    return db.session.scalar(sa.select(Payment).where(Payment.group_id == group.id,
                                                      Payment.method == PaymentMethod.WECHAT_PAY))


def _fees() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.account == Account.FEES, LedgerEntry.kind == wechat_bill.FEE_KIND))


def test_the_bill_books_fees_once_settles_lost_notifications_and_reports_strangers(make_group, make_user, login,
                                                                                  client, wechat):
    from payments import refunds

    wechat.trades.clear()
    wechat.refunds.clear()
    first, second = make_group(), make_group()
    login(first.buyer)
    paid = _trade(client, first)
    headers, body = wechat.pay(paid.idempotency_key)
    client.post("/payments/wechatpay/notify", data=body.encode(), headers={**headers, "Content-Type": "application/json"})
    client.post("/account/logout")
    login(second.buyer)
    lost = _trade(client, second)
    wechat.pay(lost.idempotency_key)  # paid at WeChat Pay; its notification never arrived
    refunds.refund_order(first.orders[0], None, amount_cents=1000, reason="破损")
    wechat.extra_bill_rows = [["2026-12-04 09:00:00", APPID, MCHID, "0", "", "4200000000000000000000000001",
                               "wxSOMEONEELSE1", "o-x", "NATIVE", "SUCCESS", "OTHERS", "CNY", "12.00", "0.00", "0",
                               "0", "0.00", "0.00", "", "", "?", "", "0.07", "0.60%", "12.00", "0.00", ""]]

    report = wechat_bill.reconcile_day(DAY)
    db.session.expire_all()
    assert report.rows == 4 and report.settled == 1 and report.fees_booked == 3
    assert lost.status == PaymentStatus.SUCCEEDED and all(o.status == OrderStatus.PAID for o in second.orders)
    assert report.problems == ["wxSOMEONEELSE1: not a trade of ours"]
    # 0.6 % of ¥95.00 twice, less 0.6 % of the ¥10.00 refunded: 57 + 57 - 6 fen
    assert _fees() == 57 + 57 - 6

    again = wechat_bill.reconcile_day(DAY)
    assert (again.fees_booked, again.settled) == (0, 0) and _fees() == 108


def test_a_wrong_amount_is_shown_to_the_admin_and_no_bill_is_a_clear_error(make_group, login, client, wechat, app):
    wechat.trades.clear()
    wechat.refunds.clear()
    group = make_group()
    login(group.buyer)
    payment = _trade(client, group)
    wechat.pay(payment.idempotency_key)
    wechat.trades[payment.idempotency_key]["amount"]["total"] = 100  # the bill says ¥1.00
    wechat.extra_bill_rows = []
    report = wechat_bill.reconcile_day(DAY)
    db.session.expire_all()
    assert report.fees_booked == 0 and "微信支付账单金额不符" in payment.attention
    result = app.test_cli_runner().invoke(args=["payments", "wechat-bill", "--day", "2026-12-04"])
    assert result.exit_code == 0 and "1 problems" in result.output
    app.config["WECHATPAY_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("payments_wechatpay", None)
    failed = app.test_cli_runner().invoke(args=["payments", "wechat-bill", "--day", "2026-12-04"])
    assert failed.exit_code == 1 and "ready from 10:00" in failed.output
