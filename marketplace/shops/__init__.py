"""Merchant shops: applications, approval, public shop pages, staff."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("shops", __name__)


def _newest_shops_block() -> dict:
    from marketplace.shops.services import newest_shops

    return {"shops": newest_shops(8)}


def _is_member(user) -> bool:
    from marketplace.shops.policy import membership_of

    return membership_of(user) is not None


def init_app(app: Flask) -> None:
    """The domain, its home-page block (the newest shops) and template helpers.

    Other domains add to the shop page with ``add_blocks(app, "shop", provider)`` and links on the
    merchant home as ``NavItem(..., menu="merchant")`` in their ``register()``.
    """
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, add_blocks, register
    from marketplace.i18n import current_locale_code
    from marketplace.regions.services import region_path
    from marketplace.shops import labels, privacy
    from marketplace.shops.services import LOGO_SIZES, image_key
    from marketplace.templating import media_url

    add_blocks(app, "home", _newest_shops_block)
    from marketplace.shops import notice_types

    notice_types.register(app)  # the shop's status in the notification centre
    privacy.register(app)

    def shop_logo_url(shop, size: int = LOGO_SIZES[0]):
        return media_url(image_key(shop.logo_image, size)) if shop is not None else None

    register(app, "shops", package=__name__, blueprint=bp, routes=("views", "api"), models=("models",),
             seed="marketplace.seed:seed_demo_shops", nav=(
                 NavItem("shops.directory", _l("店铺"), order=20),
                 NavItem("shops.dashboard", _l("我的店铺"), menu="user", order=20, visible=_is_member),
                 NavItem("shops.apply", _l("申请开店"), menu="user", order=30,
                         visible=lambda user: not _is_member(user))))

    app.jinja_env.globals.update(
        shop_type_label=labels.shop_type_label,
        shop_status_label=labels.shop_status_label,
        shop_status_badge=labels.shop_status_badge,
        member_role_label=labels.member_role_label,
        shop_logo_url=shop_logo_url,
        region_path=lambda region: region_path(region, current_locale_code()),
    )
