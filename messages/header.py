"""The header's messages link: how many conversations have messages the signed-in user has not
read, as a buyer and for his shop. Counted by two correlated subqueries loaded with the user
himself (the shell's ``user_load_options``, as the notification bell's count), so a page pays no
statement of its own for it; a user loaded some other way is loaded again once per request, in one
statement that brings the bell's count as well (the header asks for this link first)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g, url_for
from flask_login import current_user
from sqlalchemy.orm import with_expression

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.shops.models import SHOP_ROLES, ShopMember
from marketplace.shops.policy import membership_of
from messages.models import Conversation

#: Counted up to this; more shows as "99+".
CAP = 100


def _capped(condition):
    rows = sa.select(sa.literal(1)).where(condition).limit(CAP).correlate_except(Conversation).subquery()
    return sa.select(sa.func.count()).select_from(rows).scalar_subquery()


def buyer_unread(user_column):
    """Conversations of the buyer in ``user_column`` with a newer message than he has read (the
    sender's own message marks everything before it read, so newer means from the shop)."""
    return _capped(sa.and_(Conversation.buyer_id == user_column,
                           Conversation.last_message_id > Conversation.buyer_read_id))


def shop_unread(user_column):
    """Conversations of the shop where the user in ``user_column`` is owner or staff, with a newer
    message than the shop has read."""
    # correlated to the user two levels up (auto-correlation looks one level up only: without this
    # the users table became a FROM of its own and every member counted every shop's conversations)
    shops = (sa.select(ShopMember.scope_id).where(ShopMember.user_id == user_column, ShopMember.role.in_(SHOP_ROLES))
             .correlate_except(ShopMember))
    return _capped(sa.and_(Conversation.shop_id.in_(shops.scalar_subquery()),
                           Conversation.last_message_id > Conversation.shop_read_id))


def counts(user) -> tuple[int, int]:
    """(buyer side, shop side): the values loaded with the user; else the user is loaded again with
    every loader option the shell collected, in one statement that fills the bell's count too."""
    values = user.__dict__
    if values.get("unread_buyer_conversations") is None or values.get("unread_shop_conversations") is None:
        options = current_app.extensions.get("user_load_options", ())
        again = db.session.scalars(sa.select(User).where(User.id == user.id).options(*options)
                                   .execution_options(populate_existing=True)).first()
        values = again.__dict__ if again is not None else {}
    return int(values.get("unread_buyer_conversations") or 0), int(values.get("unread_shop_conversations") or 0)


def message_link() -> dict | None:
    """What the header shows for the signed-in user (None for a visitor): the number of
    conversations with unread messages and where the link goes (his shop's inbox when only it has
    unread ones). Worked out once per request."""
    if not current_user.is_authenticated:
        return None
    if "message_link" not in g:
        buyer, shop = counts(current_user)
        shop = shop if membership_of(current_user) is not None else 0
        to_shop = shop and not buyer
        g.message_link = {"count": min(buyer + shop, CAP),
                          "href": url_for("messages.shop_inbox" if to_shop else "messages.buyer_inbox")}
    return g.message_link


def register(app: Flask) -> None:
    app.extensions.setdefault("user_load_options", []).extend([
        with_expression(User.unread_buyer_conversations, buyer_unread(User.id)),
        with_expression(User.unread_shop_conversations, shop_unread(User.id))])
    app.jinja_env.globals.update(message_link=message_link, message_cap=CAP)
