"""The after-sales status machine and the words for every value (never a raw value on a page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from aftersales.models import (
    AfterSale,
    AfterSaleChange,
    AfterSaleKind,
    AfterSaleReason,
    AfterSaleStatus,
    ReturnShipping,
)
from marketplace.states import StateMachine

S = AfterSaleStatus

STATUS_LABELS = {
    S.REQUESTED: _l("待商家处理"),
    S.AWAITING_RETURN: _l("待买家退货"),
    S.RETURNED: _l("买家已退货，待商家收货"),
    S.REFUNDED: _l("已退款"),
    S.REFUSED: _l("商家已拒绝"),
    S.DISPUTED: _l("平台介入中"),
    S.CLOSED: _l("已关闭"),
    S.WITHDRAWN: _l("买家已撤销"),
}

STATUS_BADGES = {S.REFUNDED: "badge-ok", S.REFUSED: "badge-err", S.DISPUTED: "badge-warn",
                 S.REQUESTED: "badge-warn", S.CLOSED: "badge-err"}

KIND_LABELS = {AfterSaleKind.REFUND: _l("仅退款"), AfterSaleKind.RETURN: _l("退货退款")}

REASON_LABELS = {
    AfterSaleReason.QUALITY: _l("质量问题"),
    AfterSaleReason.SHORT_WEIGHT: _l("缺斤少两"),
    AfterSaleReason.DAMAGED: _l("破损或腐烂"),
    AfterSaleReason.WRONG_ITEM: _l("发错货"),
    AfterSaleReason.NOT_AS_DESCRIBED: _l("与描述不符"),
    AfterSaleReason.NOT_RECEIVED: _l("未收到货"),
    AfterSaleReason.OTHER: _l("其他"),
}

SHIPPING_LABELS = {ReturnShipping.SHOP: _l("退货运费由商家承担"), ReturnShipping.BUYER: _l("退货运费由买家承担"),
                   ReturnShipping.NONE: _l("送回店铺，无运费")}

#: A request in one of these is still being worked: an order has at most one at a time.
OPEN = frozenset({S.REQUESTED, S.AWAITING_RETURN, S.RETURNED, S.REFUSED, S.DISPUTED})

#: Where a request ends; each sets closed_at.
ENDS = (S.REFUNDED, S.CLOSED, S.WITHDRAWN)

AFTER_SALE_MACHINE = StateMachine("after_sale", {
    S.REQUESTED: {S.AWAITING_RETURN, S.REFUNDED, S.REFUSED, S.WITHDRAWN},
    S.AWAITING_RETURN: {S.RETURNED, S.WITHDRAWN},
    S.RETURNED: {S.REFUNDED, S.REFUSED},
    S.REFUSED: {S.DISPUTED, S.WITHDRAWN},
    S.DISPUTED: {S.REFUNDED, S.CLOSED},
}, labels=STATUS_LABELS, history=AfterSaleChange, history_key="after_sale_id", note_length=500,
    stamps=dict.fromkeys(ENDS, "closed_at"))


def status_label(status) -> str:
    return str(STATUS_LABELS[AfterSaleStatus(status)])


def kind_label(kind) -> str:
    return str(KIND_LABELS[AfterSaleKind(kind)])


def reason_label(reason) -> str:
    return str(REASON_LABELS[AfterSaleReason(reason)])


def shipping_label(value) -> str:
    return str(SHIPPING_LABELS[ReturnShipping(value)]) if value else ""


def is_open(request: AfterSale) -> bool:
    return request.status in OPEN
