"""Who hears of a recall, in its own transaction: every buyer who received the recalled goods (one
notice each, in the centre, by e-mail and by SMS: a food-safety notice that cannot be turned off),
and the owners of the shops whose batches were recalled (a regulator's recall, or a parent's recall
reaching a repacked batch)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.notifications.dispatch import post
from marketplace.notifications.registry import register_type
from marketplace.shops.models import Shop
from marketplace.shops.services import shop_owner
from marketplace.web import absolute_url

GROUP = _l("食品安全")


def register(app: Flask) -> None:
    register_type(app, "trace.recall", label=_l("商品召回"), group=GROUP, audience="buyer", optional=False,
                  text=_l("召回通知：您收到的“%(product)s”（批次 %(code)s）已被召回。原因：%(reason)s。请停止销售和食用，"
                          "并点击确认已知悉"),
                  description=_l("您买到的商品批次被店铺或监管部门召回"))
    register_type(app, "trace.recall_shop", label=_l("本店批次被召回"), group=GROUP, audience="merchant",
                  optional=False, text=_l("本店批次 %(code)s（%(product)s）已被召回。原因：%(reason)s"),
                  description=_l("监管部门召回了本店的批次，或本店分装批次的来源批次被召回"))


def _params(recall, batch=None) -> dict:
    batch = batch or recall.batch
    return {"product": batch.variant.product.title, "code": batch.code, "reason": recall.reason}


def to_buyers(recall, buyer_ids) -> None:
    link = absolute_url("trace.recall_page", recall_id=recall.id)
    for buyer_id in buyer_ids:
        user = db.session.get(User, buyer_id)
        if user is not None and user.active:
            post(user, "trace.recall", params=_params(recall), link=link, subject=("recall", recall.id),
                 sms_template="trace_recall")


def to_shops(recall, batches, actor) -> None:
    """The owners of the recalled batches' shops, except the one who recalled (he knows)."""
    link = absolute_url("trace.recall_page", recall_id=recall.id)
    for batch in batches:
        owner = shop_owner(db.session.get(Shop, batch.shop_id))
        if owner is not None and owner.active and owner.id != getattr(actor, "id", None):
            post(owner, "trace.recall_shop", params=_params(recall, batch), link=link, subject=("recall", recall.id),
                 sms_template="trace_recall_shop")
