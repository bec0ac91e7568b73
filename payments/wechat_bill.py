"""WeChat Pay's daily trade bill (交易账单), read back against our books: what the per-trade queries
of payments.reconcile cannot see.

Each day's bill (GET /v3/bill/tradebill, then its download, gzip; its SHA1 checked) lists every
trade and refund of the merchant account with WeChat Pay's fee (手续费, about 0.6 %). For each row:
- the fee is booked once (``wechatpay_fee``: fees +f | gateway -f; a refund's row gives part of it
  back, the reverse), as Stripe's fee is from its balance transaction;
- a trade paid there and still open here is settled (its notification was lost);
- a trade we do not know, or whose amount differs from ours, is shown to the admin.
Run daily for the day before (bills are ready from 10:00 Beijing time) and from the CLI for any day;
running it again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from marketplace.db import atomic
from marketplace.extensions import db
from payments import ledger, online, wechatpay
from payments.models import Account, LedgerEntry, Payment, PaymentMethod, PaymentStatus, Refund

log = logging.getLogger(__name__)
FEE_KIND = "wechatpay_fee"


@dataclass
class BillRow:
    out_trade_no: str
    transaction_id: str
    state: str  # SUCCESS, REFUND, REVOKED ...
    amount: int  # 应结订单金额 (fen)
    out_refund_no: str
    refund: int  # 退款金额 (fen)
    fee: int  # 手续费 (fen; negative on a refund row)


@dataclass
class BillReport:
    day: str
    rows: int = 0
    fees_booked: int = 0
    settled: int = 0
    problems: list[str] = field(default_factory=list)


def _fen(text: str) -> int:
    try:
        return int((Decimal(text.strip().lstrip("`") or "0") * 100).to_integral_value())
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None


def parse(text: str) -> list[BillRow]:
    """The trade rows of a bill (a CSV whose fields start with a backtick; the summary lines after
    the rows are left out)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return []
    header = [h.strip() for h in lines[0].split(",")]
    index = {name: header.index(name) for name in ("商户订单号", "微信订单号", "交易状态", "应结订单金额",
                                                   "商户退款单号", "退款金额", "手续费")}
    rows = []
    for record in csv.reader(io.StringIO("\n".join(lines[1:]))):
        if not record or not record[0].startswith("`"):
            break  # the summary: 总交易单数,...
        value = [cell.strip().lstrip("`") for cell in record]
        rows.append(BillRow(out_trade_no=value[index["商户订单号"]], transaction_id=value[index["微信订单号"]],
                            state=value[index["交易状态"]], amount=_fen(value[index["应结订单金额"]]),
                            out_refund_no=value[index["商户退款单号"]], refund=_fen(value[index["退款金额"]]),
                            fee=_fen(value[index["手续费"]])))
    return rows


def download(day: dt.date) -> str:
    """The day's bill as text (WeChatPayError when there is none yet or it cannot be read)."""
    info = wechatpay._call("trade_bill", bill_date=day.isoformat())  # noqa: SLF001 - the module's one caller
    try:
        code, body = wechatpay.client().download_bill(info["download_url"])
    except Exception as exc:  # noqa: BLE001 - requests' errors and the SDK's bare Exception alike
        raise wechatpay.WeChatPayError(0, f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= code < 300:
        raise wechatpay.WeChatPayError(code, body)
    raw = gzip.decompress(body) if isinstance(body, bytes) and body[:2] == b"\x1f\x8b" else (
        body if isinstance(body, bytes) else body.encode())
    if info.get("hash_type", "SHA1").upper() == "SHA1" and hashlib.sha1(raw).hexdigest() != info.get("hash_value"):  # noqa: S324 - WeChat Pay's digest
        raise wechatpay.WeChatPayError(0, "the bill's SHA1 does not match")
    return raw.decode("utf-8")


def _fee_booked(**ref) -> bool:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).filter_by(kind=FEE_KIND, **ref)) > 0


def apply(day: dt.date, rows: list[BillRow]) -> BillReport:
    report = BillReport(day=day.isoformat(), rows=len(rows))
    for row in rows:
        payment = db.session.scalar(sa.select(Payment).where(Payment.idempotency_key == row.out_trade_no,
                                                             Payment.method == PaymentMethod.WECHAT_PAY))
        if payment is None:
            report.problems.append(f"{row.out_trade_no}: not a trade of ours")
            continue
        if row.state == "SUCCESS" and payment.status != PaymentStatus.SUCCEEDED and payment.provider_ref is None:
            if online.refresh(payment) == "paid":
                report.settled += 1
            db.session.refresh(payment)
        if row.state == "SUCCESS" and row.amount != payment.amount_cents:
            message = f"{row.out_trade_no}: the bill says {row.amount}, ours {payment.amount_cents}"
            report.problems.append(message)
            with atomic():
                payment.attention = f"微信支付账单金额不符：{message}"[:300]
            continue
        report.fees_booked += _book_fee(payment, row)
    for problem in report.problems:
        log.warning("wechat pay bill %s: %s", report.day, problem)
    return report


def _book_fee(payment: Payment, row: BillRow) -> int:
    if row.fee == 0:
        return 0
    refs = {"group_id": payment.group_id, "payment_id": payment.id}
    if row.state == "REFUND":
        refund = db.session.scalar(sa.select(Refund).where(Refund.idempotency_key == row.out_refund_no))
        if refund is None or _fee_booked(refund_id=refund.id):
            return 0
        refs["refund_id"] = refund.id
    elif _fee_booked(payment_id=payment.id, refund_id=None):
        return 0
    with atomic():
        ledger.post(FEE_KIND, [(Account.FEES, row.fee, None), (Account.GATEWAY, -row.fee, None)], **refs)
    return 1


def reconcile_day(day: dt.date) -> BillReport:
    return apply(day, parse(download(day)))


def bill_job() -> dict:
    """The daily job: yesterday's bill (Beijing time), when WeChat Pay is configured."""
    if not wechatpay.enabled():
        return {"skipped": "WeChat Pay is not configured"}
    from payments.credit import local_now

    day = local_now().date() - dt.timedelta(days=1)
    try:
        report = reconcile_day(day)
    except wechatpay.WeChatPayError as exc:  # no bill yet (before 10:00), or none for a day without trades
        log.info("wechat pay bill %s not read: %s", day, exc)
        return {"day": day.isoformat(), "skipped": str(exc)[:200]}
    return {"day": report.day, "rows": report.rows, "fees": report.fees_booked, "settled": report.settled,
            "problems": len(report.problems)}
