"""Every notice of the messages domain, in one place: a new message is told to the other side (mail,
or SMS to a phone-only account) through ``marketplace.mail.notices.notify``, in the recipient's
language, in the sending transaction. One notice per turn (the first message after the other side
wrote), not one per message. It is the notification type "messages.new" (messages/notice_types.py):
in the centre too, on the channels the recipient chose."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mail.notices import notify
from marketplace.shops.models import SHOP_ROLES, ShopMember
from marketplace.web import absolute_url


def _shop_people(shop_id: int) -> list[User]:
    """The shop's active owners and staff (who answer its messages)."""
    return list(db.session.scalars(
        sa.select(User).join(ShopMember, ShopMember.user_id == User.id)
        .where(ShopMember.shop_id == shop_id, ShopMember.role.in_(SHOP_ROLES), User.active.is_(True))
        .order_by(ShopMember.id).options(lazyload(User.roles))))


def new_message(conversation, message) -> None:
    """Tell the other side that ``message`` arrived (the text itself stays on the site)."""
    to_shop = message.side == "buyer"
    people = _shop_people(conversation.shop_id) if to_shop else [conversation.buyer]
    link = absolute_url("messages.conversation", conversation_id=conversation.id)
    for person in people:
        if person.id == message.sender_id:
            continue
        notify(person, "conversation_message", sms={"shop": conversation.shop.name}, recipient=person,
               shop_name=conversation.shop.name, buyer_name=conversation.buyer.display_name, to_shop=to_shop,
               link=link, conversation_id=conversation.id)
