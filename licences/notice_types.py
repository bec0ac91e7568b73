"""The licences' notices as notification types: the platform's review of a licence, the warning
before it expires and its lapse (with the listings it took off sale). In the centre, by e-mail and
by SMS: a shop that misses them stops selling."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from licences.labels import TYPE_LABELS
from marketplace.notifications.registry import register_type

GROUP = _l("经营许可证")
#: Stored parameters are codes; these turn them into words in the reader's language when shown.
LICENCES = {kind.value: label for kind, label in TYPE_LABELS.items()}
EVENTS = {"verified": _l("已核验通过"), "rejected": _l("未通过核验"), "revoked": _l("已被平台撤销")}


def register(app: Flask) -> None:
    register_type(app, "licences.reviewed", label=_l("许可证核验结果"), group=GROUP, audience="merchant",
                  text=_l("您的%(licence)s（%(number)s）%(event)s %(reason)s"),
                  words={"event": EVENTS, "licence": LICENCES},
                  description=_l("平台核验、驳回或撤销了本店上传的许可证"))
    register_type(app, "licences.expiring", label=_l("许可证即将到期"), group=GROUP, audience="merchant",
                  optional=False, words={"licence": LICENCES},
                  text=_l("您的%(licence)s（%(number)s）将于 %(date)s 到期，到期后相关商品会自动下架，"
                          "请及时换证并上传新证"),
                  description=_l("本店的许可证还有 30 天到期"))
    register_type(app, "licences.lapsed", label=_l("许可证已过期"), group=GROUP, audience="merchant",
                  optional=False, words={"licence": LICENCES},
                  text=_l("您的%(licence)s（%(number)s）已于 %(date)s 到期，"
                          "需要它的 %(count)s 件商品已下架；上传新证并通过核验后可重新上架"),
                  description=_l("本店的许可证已过期，相关商品已下架"))
