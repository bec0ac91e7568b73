"""The shop owner's notice of what happened to one of his listings (notification type
``catalog.moderation``: the mail ``product_moderation`` and the SMS ``product_<action>``), in his
language; shared by the admin's moderation verbs and the listings taken off sale when they stop
qualifying (catalog.services.products.withdraw_listing)."""

from __future__ import annotations


def notify_owner(product, action: str, reason: str | None) -> None:
    """Mail (or text) the shop's owner what became of his listing, in his language."""
    from marketplace.mail.notices import notify
    from marketplace.shops.services import shop_owner
    from marketplace.web import absolute_url

    owner = shop_owner(product.shop)
    if owner is None:
        return
    notify(owner, "product_moderation", sms={"product": product.title}, sms_template=f"product_{action}",
           product=product, action=action, reason=reason, user=owner, shop=product.shop,
           edit_url=absolute_url("catalog.merchant_product_edit", product_id=product.id),
           public_url=absolute_url("catalog.product", product_id=product.id))
