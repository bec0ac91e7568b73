"""Demo conversations: the demo buyers ask shops general questions and the shops answer, through the
real services (mail muted). Runs once (nothing is made when any conversation exists). Product and
order conversations come with their own domains' data (the shell's seed runs before them)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mail.services import muted
from marketplace.shops.models import Shop, ShopStatus
from messages import services
from messages.models import Conversation, Side

#: (buyer e-mail, the buyer's question, the shop's answer); shops are taken in order.
STORIES = [
    ("buyer@demo.example", "您好，朝天椒现在有货吗？要 5 吨，下周五前送到睢阳区，能开发票吗？",
     "有货。5 吨可以按批发价，周四统一配送到睢阳区，可以开增值税普通发票。"),
    ("buyer2@demo.example", "请问九月的酥梨可以预订吗？大概 2 吨。", "可以预订，九月中旬开始采摘，下单时备注即可。"),
    ("buyer@demo.example", "能到店自提吗？", "可以，营业时间早上 7 点到晚上 6 点。"),
]


def seed_demo(progress=None) -> dict:  # noqa: ARG001 - the seed runner's signature
    if db.session.scalar(sa.select(Conversation.id).limit(1)) is not None:
        return {"conversations": 0}
    shops = list(db.session.scalars(sa.select(Shop).where(Shop.status == ShopStatus.APPROVED).order_by(Shop.id)))
    made = 0
    with muted():
        for shop, (email, question, answer) in zip(shops, STORIES, strict=False):
            buyer = db.session.scalar(sa.select(User).where(User.email == email))
            owner = next((m.user for m in shop.members), None)
            if buyer is None or owner is None or owner.id == buyer.id:
                continue
            conversation, _created = services.start(buyer, "", 0, shop.id, text=question)
            services.send(conversation, owner, Side.SHOP, text=answer)
            made += 1
    return {"conversations": made}
