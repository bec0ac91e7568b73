"""Demo conversations: a few demo buyers asking shops about their products (see seed_demo)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.shops.models import Shop, ShopStatus
from messages import services
from messages.models import Conversation, Side

QUESTIONS = ("您好，这个现在有货吗？量大能便宜点吗？", "请问可以开发票吗？", "周五之前能送到睢阳区吗？")
ANSWERS = ("有货，量大可以谈，欢迎下单。", "可以开增值税普通发票。", "可以，周四统一配送。")


def seed_demo() -> None:
    """Three general questions from demo buyers to approved shops, each answered (idempotent)."""
    if db.session.scalar(sa.select(Conversation.id).limit(1)) is not None:
        return
    shops = list(db.session.scalars(sa.select(Shop).where(Shop.status == ShopStatus.APPROVED).order_by(Shop.id).limit(3)))
    members = {m.user_id for s in shops for m in s.members}
    buyers = list(db.session.scalars(sa.select(User).where(User.active.is_(True), User.id.not_in(members or {0}))
                                     .order_by(User.id).limit(3)))
    for shop, buyer, question, answer in zip(shops, buyers, QUESTIONS, ANSWERS, strict=False):
        owner = next((m.user for m in shop.members), None)
        conversation, _created = services.start(buyer, "", 0, shop.id, text=question)
        if owner is not None:
            services.send(conversation, owner, Side.SHOP, text=answer)
