"""JSON API of reviews: a product's and a shop's visible reviews with their totals (public), and the
buyer's review of one line of his delivered order (the page's rules: someone else's line is a 404, a
second review or a closed window a 409). Photos are sent from the page only."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.scopes import BUYER
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.openapi import api_doc, parse_body, parse_query
from marketplace.privacy.masking import mask_name
from marketplace.shops.models import Shop, ShopStatus
from marketplace.templating import media_url
from reviews import queries, services, totals
from reviews.api_schemas import ReviewBodySchema, ReviewListSchema, ReviewQuerySchema, ReviewSchema
from reviews.models import DIMENSIONS, Review

TAGS = ["reviews"]


def review_json(review: Review) -> dict:
    return {
        "id": review.id, "product_id": review.product_id, "shop_id": review.shop_id,
        "product_title": review.product_title, "variant_name": review.variant_name,
        "buyer": mask_name(review.buyer.display_name) if review.buyer else "",
        "quality": review.quality, "weight": review.weight, "delivery": review.delivery, "text": review.text,
        "photos": [{"url": media_url(p.key), "thumbnail": media_url(p.thumb_key)} for p in review.photos],
        "reply": ({"text": review.reply_text, "at": review.replied_at.isoformat()}
                  if review.reply_text is not None else None),
        "created_at": review.created_at.isoformat(),
    }


def totals_json(kind: str, subject_id: int) -> dict:
    found = totals.of(kind, subject_id)
    return {"count": found.count, "overall": round(found.average(), 2),
            **{d: round(found.average(d), 2) for d in DIMENSIONS}}


def _listing(kind: str, subject_id: int) -> dict:
    args = parse_query(ReviewQuerySchema)
    return {**page_of(queries.visible(kind, subject_id), args, review_json), "totals": totals_json(kind, subject_id)}


@api_bp.get("/products/<int:product_id>/reviews")
@api_doc("A published product's visible reviews, newest first, with its averages", tags=TAGS,
         query=ReviewQuerySchema, responses={200: ReviewListSchema})
def product_reviews_api(product_id: int):
    from catalog.models import Product
    from catalog.search import searchable

    if db.session.scalar(sa.select(Product.id).where(Product.id == product_id, searchable())) is None:
        raise ApiError(404, "not_found", _("商品不存在"))
    return _listing("product", product_id)


@api_bp.get("/shops/<slug>/reviews")
@api_doc("An approved shop's visible reviews, newest first, with its averages (public: the shop by its "
         "slug, as GET /shops/{slug}; /shops/{shop_id}/... are the shop's own staff's)", tags=TAGS,
         query=ReviewQuerySchema, responses={200: ReviewListSchema})
def shop_reviews_api(slug: str):
    shop = db.session.scalar(sa.select(Shop).where(Shop.slug == slug, Shop.status == ShopStatus.APPROVED))
    if shop is None:
        raise ApiError(404, "not_found", _("店铺不存在"))
    return _listing("shop", shop.id)


@api_bp.post("/orders/<int:order_id>/lines/<int:line_id>/review")
@scoped(BUYER)
@api_doc("Review one line of your delivered (or completed) order, within the review window: three ratings "
         "1-5 and a text. Once per line.", tags=TAGS, body=ReviewBodySchema,
         responses={201: ReviewSchema, 409: "error"})
@api_login_required
def review_line_api(order_id: int, line_id: int):
    body = parse_body(ReviewBodySchema)
    review = services.submit_review(order_id, line_id, current_user, ratings={d: body[d] for d in DIMENSIONS},
                                    text=body.get("text", ""))
    return review_json(review), 201
