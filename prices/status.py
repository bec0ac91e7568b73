"""The observation's status machine and the words for every status and market kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.states import StateMachine
from prices.models import MarketKind, PriceChange, PriceStatus

S = PriceStatus

STATUS_LABELS = {S.DRAFT: _l("草稿"), S.HELD: _l("待审核"), S.PUBLISHED: _l("已发布"), S.REJECTED: _l("已驳回")}
STATUS_BADGES = {S.HELD: "badge-warn", S.PUBLISHED: "badge-ok", S.REJECTED: "badge-err"}
KIND_LABELS = {MarketKind.CENTRAL: _l("中心批发市场"), MarketKind.COUNTY: _l("县级市场")}

PRICE_MACHINE = StateMachine("price_observation", {
    S.DRAFT: {S.HELD, S.PUBLISHED},
    S.HELD: {S.PUBLISHED, S.REJECTED},
    S.PUBLISHED: {S.HELD},  # the reporter's correction that is now far from the day before
    S.REJECTED: {S.HELD, S.PUBLISHED},  # entered again
}, labels=STATUS_LABELS, history=PriceChange, history_key="observation_id")


def status_label(status) -> str:
    return str(STATUS_LABELS[PriceStatus(status)])


def kind_label(kind) -> str:
    return str(KIND_LABELS[MarketKind(kind)])
