"""What after-sales adds to the merchant's dashboard: the requests waiting for the shop (a new
request to answer, a returned parcel to receive), one count linking to its list."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from aftersales.models import AfterSale
from aftersales.views.merchant import TO_HANDLE
from marketplace.extensions import db
from marketplace.figures import Action


def actions(shop) -> list[Action]:
    count = db.session.scalar(sa.select(sa.func.count(AfterSale.id))
                              .where(AfterSale.shop_id == shop.id, AfterSale.status.in_(TO_HANDLE))) or 0
    return [Action(_("售后待处理"), count, url_for("aftersales.merchant_list"), order=15,
                   hint=_("买家的退款、退货申请，或已退回待收货的商品"))]
