"""Merchant shops: applications, approval, public shop pages, staff."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("shops", __name__)


def home_blocks_from(app: Flask) -> dict:
    """Merge what every provider in app.extensions["home_block_providers"] returns (later wins)."""
    blocks: dict = {}
    for provider in app.extensions.get("home_block_providers", []):
        blocks.update(provider())
    return blocks


def _newest_shops_block() -> dict:
    from marketplace.shops.services import newest_shops

    return {"shops": newest_shops(8)}


def _is_member(user) -> bool:
    from marketplace.shops.policy import membership_of

    return membership_of(user) is not None


def init_app(app: Flask) -> None:
    """Home-page block, template helpers and the merchant-home link list other domains extend.

    Other domains add home blocks with
    ``app.extensions["home_block_providers"].append(callable_returning_a_dict)``, and links on the
    merchant home as ``NavItem(..., menu="merchant")`` in their ``register()``.
    """
    from flask_babel import lazy_gettext as _l

    from marketplace.domains import NavItem, register
    from marketplace.i18n import current_locale_code
    from marketplace.regions.services import region_path
    from marketplace.shops import labels
    from marketplace.shops.services import LOGO_SIZES, image_key
    from marketplace.templating import media_url

    providers = app.extensions.setdefault("home_block_providers", [])
    if _newest_shops_block not in providers:
        providers.append(_newest_shops_block)
    app.extensions["home_blocks"] = lambda: home_blocks_from(app)
    app.extensions.setdefault("shop_page_providers", [])

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
