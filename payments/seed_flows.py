"""How one demo order goes, step by step, through the real services, each step at its own time
(marketplace.db.at_time): paid online (WeChat Pay, Alipay, Stripe, as the providers reported it),
by bank transfer, at handover or on monthly credit; accepted, shipped or readied, delivered,
completed; or cancelled, expired, refunded in part or in full, disputed. Used by
payments.seed_history.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from marketplace import money
from marketplace.db import at_time, atomic
from marketplace.extensions import db
from orders import services as orders
from orders.models import Fulfilment, Order, OrderGroup, OrderStatus
from orders.status import set_status
from payments import credit, gateways, ledger, offline, refunds, services
from payments.models import Account, Dispute, Payment, PaymentMethod, PaymentStatus, RefundStatus
from payments.status import PAYMENT_MACHINE
from payments.wechat_bill import FEE_KIND as WECHAT_FEE

S = OrderStatus
M = PaymentMethod
CARRIERS = ("顺丰速运", "德邦物流", "中通快递", "商家自送")
#: The order of statuses along the way (a pickup order is readied instead of shipped).
ALONG = (S.PENDING_PAYMENT, S.PAID, S.ACCEPTED, S.SHIPPED, S.DELIVERED, S.COMPLETED)
ONLINE = {"wechat_pay": M.WECHAT_PAY, "alipay": M.ALIPAY, "stripe": M.STRIPE}


def owner_of_shop(shop):
    return shop.members[0].user


def owner_of(order: Order):
    return owner_of_shop(order.shop)


def _ref(method: PaymentMethod, rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(18))
    return {M.WECHAT_PAY: "42000", M.ALIPAY: "2026"}.get(method, "pi_demo") + digits


def pay_online(group: OrderGroup, method: PaymentMethod, rng: random.Random, *, paid: bool = True) -> Payment:
    """A finished trade as the provider reported it (its webhook / notification): paid and booked
    through book_online(), with the provider's fee (Stripe: 3.4% + ¥2; WeChat Pay: 0.6%); or
    left open (the buyer never paid)."""
    with atomic():
        payment = Payment(group_id=group.id, method=method, amount_cents=services.amount_due(group), currency="cny",
                          idempotency_key=f"demo-{method.value}-g{group.id}",
                          checkout_url={M.WECHAT_PAY: "weixin://wxpay/bizpayurl?pr=demo",
                                        M.ALIPAY: "https://qr.alipay.com/demo"}.get(method))
        db.session.add(payment)
        db.session.flush()
        if not paid:
            return payment
        ref = _ref(method, rng)
        PAYMENT_MACHINE.move(payment, PaymentStatus.SUCCEEDED, provider_ref=ref, note=ref)
        label = str(gateways.get(method.value).label)
        services.book_online(payment, _("在线支付成功（%(method)s %(ref)s）", method=label, ref=ref))
        if method == M.STRIPE:
            fee = money.percent_of(payment.amount_cents, 340) + 200
            ledger.post("stripe_fee", [(Account.FEES, fee, None), (Account.GATEWAY, -fee, None)],
                        group_id=group.id, payment_id=payment.id)
        elif method == M.WECHAT_PAY:
            fee = money.percent_of(payment.amount_cents, 60)
            ledger.post(WECHAT_FEE, [(Account.FEES, fee, None), (Account.GATEWAY, -fee, None)],
                        group_id=group.id, payment_id=payment.id)
    return payment


def slip_png(text: str) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 300), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((12, 12, 468, 288), outline=(180, 30, 30), width=4)
    draw.text((30, 40), f"REMITTANCE DEMO {text}", fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class Flow:
    """One order's way from placement at ``t`` to ``target``; every call moves the clock on."""

    def __init__(self, order: Order, buyer, method: str, target: OrderStatus, t: dt.datetime, rng: random.Random,
                 limit: dt.datetime):
        self.order, self.buyer, self.method, self.target, self.t, self.rng = order, buyer, method, target, t, rng
        self.limit = limit
        self.owner = owner_of(order)

    def later(self, low_minutes: float, high_minutes: float) -> dt.datetime:
        """A moment some minutes on (never after ``limit``: the seed's now)."""
        self.t = min(self.t + dt.timedelta(minutes=self.rng.uniform(low_minutes, high_minutes)), self.limit)
        return self.t

    def wants(self, status: OrderStatus) -> bool:
        """Whether the order goes at least as far as ``status`` (ready counts as shipped)."""
        target = S.SHIPPED if self.target == S.READY_FOR_PICKUP else self.target
        status = S.SHIPPED if status == S.READY_FOR_PICKUP else status
        return target in ALONG and ALONG.index(target) >= ALONG.index(status)

    # --- the way along -------------------------------------------------------------------------

    def run(self, *, slip: bool = False) -> None:
        """Move along to the target (the group's online payment, if any, is made by the caller)."""
        order, handover = self.order, self.method == "cash"
        if self.method == "bank_transfer":
            with at_time(self.later(3, 30)):
                (payment,) = offline.choose(order.group, M.BANK_TRANSFER.value, [order.id])
            if slip:
                with at_time(self.later(60, 600)):
                    offline.upload_slip(payment, FileStorage(io.BytesIO(slip_png(order.number)), filename="回单.png"),
                                        self.buyer)
            if not self.wants(S.PAID):
                return
            with at_time(self.later(120, 1440)):
                offline.confirm_received(order, self.owner)
        elif handover:
            with at_time(self.later(2, 20)):
                offline.choose(order.group, M.CASH.value, [order.id])
        elif self.method == "credit":
            with at_time(self.later(1, 5)):
                credit.buy_on_credit(order.group, self.buyer)
        if not self.wants(S.ACCEPTED):
            return
        with at_time(self.later(30, 360)):
            orders.accept(order, self.owner)
        if not self.wants(S.SHIPPED):
            return
        with at_time(self.later(60, 1200)):
            if order.fulfilment == Fulfilment.DELIVERY:
                orders.ship(order, self.owner, self.rng.choice(CARRIERS), f"SF{self.rng.randrange(10**11, 10**12)}")
            else:
                orders.ready_for_pickup(order, self.owner)
        if not self.wants(S.DELIVERED):
            return
        with at_time(self.later(240, 2880)), atomic():
            orders.mark_delivered(order, self.owner)
            if handover:
                offline.confirm_received(order, self.owner)
        if not self.wants(S.COMPLETED):
            return
        if self.rng.random() < 0.6:
            with at_time(self.later(60, 2880)):
                orders.confirm_receipt(order, self.buyer)
        else:  # the job completes it ORDER_AUTO_COMPLETE_DAYS after delivery
            with at_time(self.later(7 * 1440 + 30, 7 * 1440 + 90)), atomic():
                set_status(order, S.COMPLETED, note=_("送达后自动完成"))

    # --- endings that are not a sale -----------------------------------------------------------

    def expire(self) -> None:
        """Unpaid past the payment time (the expiry job): the stock goes back, an open trade is voided."""
        with at_time(self.later(31, 40)), atomic():
            set_status(self.order, S.EXPIRED, note=_("超时未付款，自动取消"))

    def cancel(self) -> None:
        """Cancelled before it was shipped: by the buyer while unpaid; by the merchant (out of stock)
        once paid or accepted — a paid order is refunded by payments.hooks."""
        order = self.order
        if order.status == S.PENDING_PAYMENT and self.method != "bank_transfer":
            with at_time(self.later(5, 90)):
                orders.cancel_by_buyer(order, self.buyer, self.rng.choice(("买错了规格", "不需要了", "地址填错了")))
            return
        with at_time(self.later(30, 600)):
            orders.cancel_by_merchant(order, self.owner, self.rng.choice(("库存不足，抱歉", "冷库检修，暂停发货")))


# --- after the sale: refunds and a dispute -------------------------------------------------------

def refund_lines(flow: Flow, *, restock: bool) -> None:
    """A partial refund of some units of the first line (damaged on the way), the merchant's."""
    order = flow.order
    line = order.lines[0]
    units = max(1, line.quantity // 5)
    with at_time(flow.later(120, 2880)):
        refund = _refund(order, flow.owner, lines={line.id: units}, restock=restock,
                         reason=f"运输破损 {units} {line.unit}，退款并退回库存" if restock
                         else f"运输破损 {units} {line.unit}，部分退款")
    assert refund.status == RefundStatus.SUCCEEDED


def refund_amount(flow: Flow, share: int | None) -> None:
    """A refund of ``share`` percent of the order (None: all of it), online or offline."""
    order = flow.order
    amount = None if share is None else max(1, order.total_cents * share // 100)
    reason = "整单质量问题，全额退款" if share is None else "部分货品不新鲜，协商退款"  # what the merchant wrote
    with at_time(flow.later(120, 2880)):
        refund = _refund(order, flow.owner, amount_cents=amount, reason=reason)
    assert refund.status == RefundStatus.SUCCEEDED


def _refund(order: Order, actor, *, amount_cents=None, lines=None, restock=False, reason=""):
    """refunds.refund_order(); an online refund is recorded as the provider's acceptance of it (the
    demo talks to no provider), booked the way the provider's answer is."""
    payment = ledger.payment_of(order)
    key = f"demo-refund-o{order.id}"
    if payment.method in (M.CASH, M.BANK_TRANSFER):
        return refunds.refund_order(order, actor, amount_cents=amount_cents, lines=lines, reason=reason,
                                    restock=restock, idempotency_key=key)
    with atomic():
        refund = refunds._create(order, actor, amount_cents, lines, reason, restock, key)
    return refunds._accepted(refund, payment, f"{payment.method.value}:{key}")


def dispute(flow: Flow) -> Dispute:
    """The card holder disputes a Stripe payment (charge.dispute.created, as the webhook records it)."""
    payment = ledger.payment_of(flow.order)
    with at_time(flow.later(1440, 4320)), atomic():
        row = Dispute(provider_ref=f"dp_demo{payment.id:06d}", payment_id=payment.id,
                      amount_cents=payment.amount_cents, reason="product_not_received", status="needs_response")
        db.session.add(row)
        payment.attention = "dispute " + row.provider_ref
    return row
