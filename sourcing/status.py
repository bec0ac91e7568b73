"""The request status machine and the words for every value (never a raw value on a page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.states import StateMachine
from sourcing.models import QuoteStatus, RequestStatus, SourcingRequestChange, Visibility

S = RequestStatus

STATUS_LABELS = {
    S.DRAFT: _l("草稿"),
    S.OPEN: _l("报价中"),
    S.AWARDED: _l("已成交"),
    S.CLOSED: _l("报价已满"),
    S.EXPIRED: _l("报价已截止"),
    S.CANCELLED: _l("已撤销"),
}
STATUS_BADGES = {S.OPEN: "badge-ok", S.AWARDED: "badge-ok", S.CANCELLED: "badge-err", S.EXPIRED: "badge-warn",
                 S.CLOSED: "badge-warn"}

VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("公开（供求信息大厅可见）"),
    Visibility.REGION: _l("仅配送区域内的相关商家"),
    Visibility.INVITED: _l("仅邀请的商家"),
}

QUOTE_STATUS_LABELS = {QuoteStatus.SUBMITTED: _l("已报价"), QuoteStatus.ACCEPTED: _l("已接受"),
                       QuoteStatus.NOT_CHOSEN: _l("未被选中")}

#: Where quotes are still taken.
QUOTING = frozenset({S.OPEN})
#: Where the buyer may still accept a (valid) quote.
ACCEPTING = frozenset({S.OPEN, S.CLOSED, S.EXPIRED})
#: Where the buyer may edit (a draft in place, an open request as a new revision).
EDITABLE = frozenset({S.DRAFT, S.OPEN})

REQUEST_MACHINE = StateMachine("sourcing_request", {
    S.DRAFT: {S.OPEN, S.CANCELLED},
    S.OPEN: {S.AWARDED, S.CLOSED, S.EXPIRED, S.CANCELLED},
    S.CLOSED: {S.AWARDED, S.CANCELLED},
    S.EXPIRED: {S.AWARDED, S.CANCELLED},
    # the order of the accepted quote expired unpaid or was cancelled before payment (sourcing.lapse)
    S.AWARDED: {S.OPEN, S.CLOSED, S.EXPIRED},
}, labels=STATUS_LABELS, history=SourcingRequestChange, history_key="request_id",
    stamps={S.OPEN: "opened_at", S.AWARDED: "ended_at", S.CANCELLED: "ended_at"})


def status_label(status) -> str:
    return str(STATUS_LABELS[RequestStatus(status)])


def visibility_label(value) -> str:
    return str(VISIBILITY_LABELS[Visibility(value)])


def quote_status_label(value) -> str:
    return str(QUOTE_STATUS_LABELS[QuoteStatus(value)])

