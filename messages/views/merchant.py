"""The shop's inbox: every conversation buyers opened with the shop, for its owner and staff."""

from __future__ import annotations

from flask import render_template

from marketplace.shops.policy import merchant_required
from marketplace.web import page_arg
from messages import bp, queries, services, subjects
from messages.models import Side


@bp.get("/merchant/messages")
@merchant_required
def shop_inbox(shop):
    page, unread, cards = queries.inbox(Side.SHOP, shop.id, page=page_arg())
    return render_template("messages/inbox.html", page=page, unread=unread, cards=cards, viewer="shop", shop=shop,
                           total_unread=services.total_unread(None, Side.SHOP, shop.id),
                           labels={k: subjects.label(k) for k in {c.subject_kind for c in page.items}})
