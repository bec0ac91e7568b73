"""The supply post status machine and the words for every status (never a raw value on a page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.states import StateMachine
from sourcing.supply_models import SupplyPostChange, SupplyStatus

S = SupplyStatus

SUPPLY_LABELS = {
    S.OPEN: _l("供应中"),
    S.WITHDRAWN: _l("已撤回"),
    S.EXPIRED: _l("供应期已过"),
    S.SOLD_OUT: _l("已售罄"),
}
SUPPLY_BADGES = {S.OPEN: "badge-ok", S.WITHDRAWN: "badge-err", S.EXPIRED: "badge-warn", S.SOLD_OUT: "badge-warn"}

#: Where the shop may still change the post (an expired one is over: post a new one).
EDITABLE = frozenset({S.OPEN, S.WITHDRAWN, S.SOLD_OUT})

SUPPLY_MACHINE = StateMachine("sourcing_supply", {
    S.OPEN: {S.WITHDRAWN, S.EXPIRED, S.SOLD_OUT},
    # reopened while its window lasts (the service checks the window)
    S.WITHDRAWN: {S.OPEN, S.EXPIRED},
    S.SOLD_OUT: {S.OPEN, S.EXPIRED},
}, labels=SUPPLY_LABELS, history=SupplyPostChange, history_key="post_id",
    stamps={S.WITHDRAWN: "ended_at", S.EXPIRED: "ended_at", S.SOLD_OUT: "ended_at"})


def supply_label(status) -> str:
    return str(SUPPLY_LABELS[SupplyStatus(status)])
