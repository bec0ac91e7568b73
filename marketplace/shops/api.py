"""JSON: the public shop directory and shop details under /api/v1/shops."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _

from marketplace.api import api_bp, page_args
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.i18n import current_locale_code
from marketplace.openapi import api_doc
from marketplace.privacy.masking import mask_address, mask_phone
from marketplace.regions.services import county_of, region_path
from marketplace.schemas import ShopDetailSchema, ShopListSchema, ShopQuerySchema
from marketplace.shops.labels import shop_type_label
from marketplace.shops.models import Shop, ShopStatus, ShopType
from marketplace.shops.services import LOGO_SIZES, directory_query, image_key
from marketplace.templating import media_url
from marketplace.web import absolute_url, paginate


def shop_json(shop: Shop, *, detail: bool = False) -> dict:
    locale = current_locale_code()
    county = county_of(shop.region)
    data = {
        "slug": shop.slug,
        "name": shop.name,
        "type": shop.shop_type.value,
        "type_label": shop_type_label(shop.shop_type),
        "region": {"code": shop.region.code, "name": shop.region.localized_name(locale),
                   "path": region_path(shop.region, locale)},
        "county": {"code": county.code, "name": county.localized_name(locale)} if county else None,
        "logo": {str(size): media_url(image_key(shop.logo_image, size)) for size in LOGO_SIZES}
        if shop.logo_image else None,
        "url": absolute_url("shops.show", slug=shop.slug),
        "approved_at": shop.approved_at.isoformat() if shop.approved_at else None,
    }
    if shop.shop_type == ShopType.MARKET_STALL:
        data.update(market_name=shop.market_name, stall_number=shop.stall_number)
    if detail:
        # public: the street and the phone masked, as on the shop's page
        data.update(address=mask_address(shop.address), phone=mask_phone(shop.phone), description=shop.description)
    return data


@api_bp.get("/shops")
@api_doc("The directory of approved shops", tags=["shops"], query=ShopQuerySchema, responses={200: ShopListSchema})
def shops_list():
    """Approved shops; ?county=<code>&type=<enterprise|market_stall|cooperative|farmer>&q=&page=&per_page="""
    shop_type = request.args.get("type")
    if shop_type and shop_type not in {t.value for t in ShopType}:
        raise ApiError(400, "invalid_type", _("未知的店铺类型：%(type)s", type=shop_type[:40]))
    query, county = directory_query(request.args.get("county"), shop_type, request.args.get("q"))
    if request.args.get("county") and county is None:
        raise ApiError(400, "invalid_county", _("未知的县区代码"))
    page, size = page_args()
    result = paginate(query, page=page, per_page=size)
    return {"items": [shop_json(s) for s in result.items], "page": result.page, "per_page": result.per_page,
            "total": result.total, "pages": result.pages}


@api_bp.get("/shops/<slug>")
@api_doc("One approved shop", tags=["shops"], responses={200: ShopDetailSchema})
def shops_detail(slug: str):
    shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug, Shop.status == ShopStatus.APPROVED))
    if shop is None:
        raise ApiError(404, "not_found", _("店铺不存在"))
    return shop_json(shop, detail=True)
