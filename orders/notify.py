"""Order notices to buyers and merchants, through the outbox, each in the recipient's language: by
e-mail, or by SMS to an account with a mobile number only (marketplace.mail.notices)."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mail.notices import notify, notify_by_sms
from marketplace.mail.services import LaterMail, is_muted, queue_mail_later
from marketplace.notifications.dispatch import insert_rows, notification_row
from marketplace.notifications.prefs import effective, stored_for
from marketplace.notifications.registry import EMAIL, ON, SMS, get_type
from marketplace.shops.models import MemberRole, ShopMember
from marketplace.web import absolute_url
from orders.models import Order, OrderGroup, OrderStatus

S = OrderStatus


def _sms(order: Order) -> dict[str, str]:
    """What an SMS notice of an order says (and fills the provider's template with)."""
    return {"order": order.number, "shop": order.shop.name}


def to_buyer(order: Order, template: str, **ctx) -> None:
    """Tell the buyer of ``order`` (mail, or SMS without an address); other domains use it too."""
    buyer = order.buyer
    notify(buyer, template, sms=_sms(order), order=order, recipient=buyer,
           link=absolute_url("orders.order_detail", order_id=order.id), for_merchant=False, **ctx)


def to_merchants(order: Order, template: str, **ctx) -> None:
    for user in owners_by_shop([order.shop_id]).get(order.shop_id, []):
        notify(user, template, sms=_sms(order), sms_template=f"{template}_merchant", order=order, recipient=user,
               link=absolute_url("orders.merchant_order", order_id=order.id), for_merchant=True, **ctx)


@functools.cache
def _owners_statement():
    return (db.select(ShopMember.shop_id, User).join(User, User.id == ShopMember.user_id)
            .where(ShopMember.shop_id.in_(sa.bindparam("shop_ids", expanding=True)),
                   ShopMember.role == MemberRole.OWNER, User.active.is_(True))
            .order_by(ShopMember.id).options(lazyload(User.roles)))


def owners_by_shop(shop_ids) -> dict[int, list[User]]:
    """The active owners of several shops in one query (roles are not needed to write to them)."""
    owners: dict[int, list[User]] = {}
    rows = db.session.execute(_owners_statement(), {"shop_ids": sorted(shop_ids)})
    for shop_id, user in rows:
        owners.setdefault(shop_id, []).append(user)
    return owners


def notify_placed(group: OrderGroup) -> None:
    """The buyer gets one notice for the checkout; each shop's owner one for his order.

    Placing an order is the hot path, so the mails are queued unrendered (template and row ids,
    links computed now) and rendered when they are delivered or read: what they show (the order
    snapshots, totals, lines) does not change meanwhile, so the text is the same. The notifications
    are one INSERT, the recipients' channel choices one query.
    """
    owners = owners_by_shop({order.shop_id for order in group.orders})
    buyer = group.buyer
    placed, new = get_type("orders.placed"), get_type("orders.new")
    users = [buyer, *(user for shop_owners in owners.values() for user in shop_owners)]
    stored = stored_for([u.id for u in users], (placed.key, new.key))
    mails, rows = [], []

    def tell(user, kind, template, context, sms: dict | None) -> None:
        modes = effective(kind, user, stored.get((user.id, kind.key)))
        row = notification_row(user.id, kind, sms, context, modes)
        if row is not None:
            rows.append(row)
        if modes[EMAIL] == ON:
            mails.append(LaterMail(user.email, template, user.locale, context))
        if modes[SMS] == ON and sms is not None:  # a farmer with a phone only: a text message
            notify_by_sms(user.mobile, template, user.locale or "zh_CN", sms)

    if not is_muted():
        link = absolute_url("orders.my_orders")
        tell(buyer, placed, "order_placed", {"group": group, "recipient": buyer, "link": link}, None)
        for order in group.orders:
            for user in owners.get(order.shop_id, []):
                tell(user, new, "order_new", {
                    "order": order, "recipient": user, "link": absolute_url("orders.merchant_order", order_id=order.id),
                    "for_merchant": True}, _sms(order))
    queue_mail_later(mails)
    insert_rows(rows)


def notify_status(order: Order, target: OrderStatus, note: str = "") -> None:
    target = OrderStatus(target)
    if target == S.PAID:
        to_buyer(order, "order_paid")
        to_merchants(order, "order_paid")
    elif target == S.SHIPPED:
        to_buyer(order, "order_shipped")
    elif target == S.READY_FOR_PICKUP:
        to_buyer(order, "order_ready")
    elif target in (S.CANCELLED, S.EXPIRED):
        to_buyer(order, "order_cancelled", note=note, expired=target == S.EXPIRED)
        to_merchants(order, "order_cancelled", note=note, expired=target == S.EXPIRED)
