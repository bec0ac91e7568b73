"""The payment, refund and transfer status machines: every status change where money moves goes
through ``machine.move`` (transition table, conditional UPDATE on the current status, history row).

One history table per machine, each with a foreign key to its row, as orders have: a shared
(kind, row id) table could not keep that integrity and would gain nothing but one fewer table.
Transfer reversals share the transfer machine's table without a history of their own (a reversal
is one Stripe call recorded with its refund; its row holds the outcome).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.states import StateMachine
from payments.models import (
    PaymentMethod,
    PaymentStatus,
    PaymentStatusChange,
    RefundStatus,
    RefundStatusChange,
    TransferStatus,
    TransferStatusChange,
)

P, R, T = PaymentStatus, RefundStatus, TransferStatus

PAYMENT_LABELS = {P.PENDING: _l("待付款"), P.PROCESSING: _l("处理中"), P.REQUIRES_ACTION: _l("待验证"),
                  P.SUCCEEDED: _l("已付款"), P.FAILED: _l("付款失败"), P.CANCELED: _l("已取消")}
REFUND_LABELS = {R.PENDING: _l("退款中"), R.SUCCEEDED: _l("已退款"), R.FAILED: _l("退款失败")}
TRANSFER_LABELS = {T.PENDING: _l("待转账"), T.PAID: _l("已转账"), T.FAILED: _l("转账失败")}

_OPEN = {P.PENDING, P.PROCESSING, P.REQUIRES_ACTION, P.FAILED}

#: An intent moves freely while it is open (Stripe reports its current state, in any order);
#: succeeded and canceled are final: a late "failed" cannot undo a payment.
PAYMENT_MACHINE = StateMachine("payment", {state: ({*_OPEN, P.SUCCEEDED, P.CANCELED} - {state}) for state in _OPEN},
                               labels=PAYMENT_LABELS, history=PaymentStatusChange, history_key="payment_id",
                               stamps={P.SUCCEEDED: "succeeded_at"})

#: A refund is asked for once (its idempotency key makes retries one refund); the outcome is final.
REFUND_MACHINE = StateMachine("refund", {R.PENDING: {R.SUCCEEDED, R.FAILED}}, labels=REFUND_LABELS,
                              history=RefundStatusChange, history_key="refund_id",
                              stamps={R.SUCCEEDED: "completed_at"})

#: A failed transfer is retried (failed -> failed records each attempt that failed again).
TRANSFER_MACHINE = StateMachine("transfer", {T.PENDING: {T.PAID, T.FAILED}, T.FAILED: {T.PAID, T.FAILED}},
                                labels=TRANSFER_LABELS, history=TransferStatusChange, history_key="transfer_id",
                                stamps={T.PAID: "paid_at"})

#: Reversals: the same moves, no history table (see the module docstring).
REVERSAL_MACHINE = StateMachine("transfer_reversal", TRANSFER_MACHINE.transitions, labels=TRANSFER_LABELS)

_LABELS = {PaymentStatus: PAYMENT_LABELS, RefundStatus: REFUND_LABELS, TransferStatus: TRANSFER_LABELS}


def label(value, order=None) -> str:
    """Words for a payment, refund or transfer status, or a payment method (its gateway's label; for
    an ``order``, as it applies to it: 货到付款 or 到店自提付款)."""
    if isinstance(value, PaymentMethod):
        from payments import gateways

        gateway = gateways.get(value.value)
        return gateway.label_for(order) if order is not None else str(gateway.label)
    return str(_LABELS[type(value)][value])


#: Stripe's words for a dispute (charge.dispute.*), in the admin's language; another is "其他".
DISPUTE_STATUS_LABELS = {
    "warning_needs_response": _l("预警：待回应"), "warning_under_review": _l("预警：审核中"), "warning_closed": _l("预警：已关闭"),
    "needs_response": _l("待回应"), "under_review": _l("审核中"), "won": _l("已胜诉"), "lost": _l("已败诉"),
    "prevented": _l("已阻止")}
DISPUTE_REASON_LABELS = {
    "fraudulent": _l("疑似盗刷"), "duplicate": _l("重复扣款"), "product_not_received": _l("未收到货"),
    "product_unacceptable": _l("货不对板"), "credit_not_processed": _l("未退款"), "subscription_canceled": _l("订阅已取消"),
    "unrecognized": _l("持卡人不认识这笔交易"), "general": _l("一般争议"), "customer_initiated": _l("持卡人发起"),
    "bank_cannot_process": _l("银行无法处理"), "debit_not_authorized": _l("未授权扣款"),
    "insufficient_funds": _l("余额不足"), "incorrect_account_details": _l("账户信息有误"), "check_returned": _l("支票退回")}


def dispute_label(kind: str, value: str | None) -> str:
    """Words for a dispute's ``status`` or ``reason`` (as Stripe sends them), never the raw value."""
    labels = DISPUTE_STATUS_LABELS if kind == "status" else DISPUTE_REASON_LABELS
    return str(labels.get(value or "", _l("其他")))
