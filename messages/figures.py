"""What messages adds to the merchant's dashboard: the buyers' messages the shop has not read yet,
one count linking to the shop's inbox."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from marketplace.figures import Action
from messages import services
from messages.models import Side


def actions(shop) -> list[Action]:
    return [Action(_("未读客户消息"), services.total_unread(None, Side.SHOP, shop.id), url_for("messages.shop_inbox"),
                   order=12, hint=_("买家发来、店里还没有人看过的消息"))]
