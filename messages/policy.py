"""Who reads a conversation: its buyer and the shop's members (owner and staff, by their own grant
scoped to the shop); an admin only once it has been reported, and only to read it. Anyone else,
admins included for an unreported one, gets a 404 on the page, its images and the API."""

from __future__ import annotations

from flask import abort

from marketplace.accounts.models import Role
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.shops.models import SHOP_ROLES
from messages.models import Conversation, Side

#: The admin's view of a reported conversation (he reads, he does not write).
ADMIN = "admin"


def shop_member(user, shop_id: int) -> bool:
    """``user`` works in the shop: an owner's or staff grant scoped to it (an admin's pass does not
    count here: the platform reads a conversation only once it is reported)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(grant.role in SHOP_ROLES and grant.scope == ("shop", shop_id) for grant in user.roles)


def side_of(user, conversation: Conversation) -> str | None:
    """The viewer's side ("buyer", "shop"), "admin" for an admin reading a reported one, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if conversation.buyer_id == user.id:
        return Side.BUYER
    if shop_member(user, conversation.shop_id):
        return Side.SHOP
    if conversation.reported_at is not None and user.has_role(Role.ADMIN):
        return ADMIN
    return None


def conversation_or_404(conversation_id: int, user, *, api: bool = False) -> tuple[Conversation, str]:
    """The conversation and the viewer's side; 404 (JSON under the API) for anyone else."""
    conversation = db.session.get(Conversation, conversation_id)
    side = side_of(user, conversation) if conversation is not None else None
    if side is None:
        if api:
            from flask_babel import gettext as _

            raise ApiError(404, "not_found", _("会话不存在"))
        abort(404)
    return conversation, side
