"""Reviews over HTTP: the 评价 link on the buyer's order page, the form with a photo, the product and
shop pages' averages, the shop's reply page, reports and the admin's hiding; someone else's line is
a 404, a non-admin's hiding a 403; the JSON API follows the same rules."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from reviews import services
from reviews.models import Review
from tests.reviews.conftest import photo_bytes

STARS = {"quality": "5", "weight": "4", "delivery": "4"}


def test_the_buyer_reviews_from_his_order_page_and_the_pages_show_it(delivered, login, client, make_user):
    buyer, order = delivered(lines=2)
    line, other = order.lines
    login(buyer)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert page.count('class="button small review-line"') == 2
    url = f"/orders/{order.id}/lines/{line.id}/review"
    assert f'href="{url}"' in page
    form = client.get(url)
    assert form.status_code == 200 and 'name="quality"' in form.get_data(as_text=True)
    response = client.post(url, data={**STARS, "text": "梨很脆，分量足",
                                      "photos": (io.BytesIO(photo_bytes()), "梨.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    review = db.session.scalar(sa.select(Review).where(Review.order_line_id == line.id))
    assert review is not None and len(review.photos) == 1
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert page.count('class="button small review-line"') == 1 and "已评价" in page
    again = client.post(url, data=STARS)  # the form again: already reviewed, nothing new
    assert again.status_code == 422 and "已经评价过" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1

    product = client.get(f"/p/{line.product_id}").get_data(as_text=True)
    assert 'class="review-average">4.3<' in product and "梨很脆，分量足" in product
    assert review.photos[0].thumb_key in product
    listing = client.get(f"/p/{line.product_id}/reviews")
    assert listing.status_code == 200 and "梨很脆，分量足" in listing.get_data(as_text=True)
    shop_page = client.get(f"/shops/{order.shop.slug}").get_data(as_text=True)
    assert "1 条评价" in shop_page and "梨很脆，分量足" in shop_page
    assert client.get(f"/shops/{order.shop.slug}/reviews").status_code == 200

    # someone else's line: 404, on the form and on the post
    login(make_user())
    assert client.get(f"/orders/{order.id}/lines/{other.id}/review").status_code == 404
    assert client.post(f"/orders/{order.id}/lines/{other.id}/review", data=STARS).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1


def test_a_bad_photo_is_refused_with_a_message_and_nothing_is_saved(delivered, login, client):
    buyer, order = delivered()
    login(buyer)
    response = client.post(f"/orders/{order.id}/lines/{order.lines[0].id}/review",
                           data={**STARS, "photos": (io.BytesIO(b"%PDF-1.4 not an image"), "x.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "x.jpg" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_an_undelivered_order_has_no_review_button_and_the_form_says_why(delivered, login, client):
    buyer, order = delivered(deliver=False)
    login(buyer)
    assert "review-line" not in client.get(f"/orders/{order.id}").get_data(as_text=True)
    page = client.get(f"/orders/{order.id}/lines/{order.lines[0].id}/review").get_data(as_text=True)
    assert "送达或完成后才能评价" in page and 'id="submit-review"' not in page
    response = client.post(f"/orders/{order.id}/lines/{order.lines[0].id}/review", data=STARS)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_the_shop_replies_from_its_reviews_page_once(delivered, login, client, make_user):
    buyer, order = delivered()
    review = services.submit_review(order.id, order.lines[0].id, buyer, ratings={"quality": 3, "weight": 3,
                                                                                  "delivery": 3})
    owner = order.shop.members[0].user
    login(make_user())  # not the shop's: 404
    assert client.post(f"/reviews/{review.id}/reply", data={"reply": "x"}).status_code == 404
    login(owner)
    page = client.get("/merchant/reviews").get_data(as_text=True)
    assert f'action="/reviews/{review.id}/reply"' in page
    assert client.post(f"/reviews/{review.id}/reply", data={"reply": "感谢支持"}).status_code == 302
    db.session.refresh(review)
    assert review.reply_text == "感谢支持"
    product = client.get(f"/p/{review.product_id}").get_data(as_text=True)
    assert "店铺回复" in product and "感谢支持" in product


def test_report_and_hide_over_http(delivered, login, client, make_user):
    buyer, order = delivered()
    review = services.submit_review(order.id, order.lines[0].id, buyer,
                                    ratings={"quality": 1, "weight": 1, "delivery": 1}, text="垃圾店")
    reporter = make_user()
    login(reporter)
    assert client.post(f"/reviews/{review.id}/report", data={"reason": "abuse"}).status_code == 302
    assert client.post(f"/admin/reviews/{review.id}/hide", data={"reason": "x"}).status_code == 403
    login(make_user(roles=("admin",)))
    page = client.get("/admin/reviews").get_data(as_text=True)
    assert "垃圾店" in page and "1 次举报" in page
    assert client.post(f"/admin/reviews/{review.id}/hide", data={"reason": "辱骂"}).status_code == 302
    db.session.refresh(review)
    assert review.hidden_at is not None and review.hidden_reason == "辱骂"
    assert "垃圾店" not in client.get(f"/p/{review.product_id}").get_data(as_text=True)
    assert "垃圾店" in client.get("/admin/reviews?show=hidden").get_data(as_text=True)


@pytest.fixture
def token_for(app):
    from marketplace.accounts.models import ApiToken
    from marketplace.security import hash_token, new_token

    def make(user) -> dict:
        token = new_token()
        db.session.add(ApiToken(user_id=user.id, name="test", token_hash=hash_token(token), prefix=token[:8]))
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def test_the_api_posts_a_review_once_and_reads_them(delivered, client, token_for, make_user):
    buyer, order = delivered()
    line = order.lines[0]
    url = f"/api/v1/orders/{order.id}/lines/{line.id}/review"
    auth = token_for(buyer)
    bad = client.post(url, json={"quality": 9, "weight": 4, "delivery": 4}, headers=auth)
    assert bad.status_code == 400
    assert client.post(url, json={"quality": 5, "weight": 4, "delivery": 4},
                       headers=token_for(make_user())).status_code == 404
    created = client.post(url, json={"quality": 5, "weight": 4, "delivery": 3, "text": "好"}, headers=auth)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["quality"] == 5
    second = client.post(url, json={"quality": 5, "weight": 4, "delivery": 3}, headers=auth)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "already_reviewed"
    listing = client.get(f"/api/v1/products/{line.product_id}/reviews").get_json()
    assert listing["total"] == 1 and listing["totals"]["overall"] == 4.0 and listing["items"][0]["text"] == "好"
    shop = client.get(f"/api/v1/shops/{order.shop.slug}/reviews").get_json()
    assert shop["totals"]["count"] == 1 and shop["totals"]["delivery"] == 3.0
    assert client.get("/api/v1/shops/no-such-shop/reviews").status_code == 404
    assert client.get("/api/v1/products/999999/reviews").status_code == 404


def test_the_product_page_costs_two_statements_more_with_reviews_whatever_their_number(delivered, db, client,
                                                                                        make_product, make_shop):
    from catalog.models import Product
    from tests.catalog.test_buyer_pages import QueryCounter

    product_id = make_product(make_shop()).id

    def statements() -> int:
        client.get(f"/p/{product_id}")
        db.session.remove()
        with QueryCounter(db.engine) as counter:
            assert client.get(f"/p/{product_id}").status_code == 200
        return counter.count

    bare = statements()
    for n in range(4):
        product = db.session.get(Product, product_id)
        buyer, order = delivered(products=[product], shop=product.shop)
        services.submit_review(order.id, order.lines[0].id, buyer, ratings={"quality": 5, "weight": 5, "delivery": n + 1})
        if n == 0:
            one = statements()
    four = statements()
    assert one == four == bare + 1  # the latest reviews with their reviewers and photos: one statement


def test_review_reports_are_rate_limited(app, delivered, login, client, make_user):
    """One report per user and review is not enough: one account must not report every review of a
    shop in a minute either (REVIEW_REPORT_RATELIMIT); the refused one changes nothing."""
    from reviews.models import ReviewReport

    app.config["REVIEW_REPORT_RATELIMIT"] = "2 per minute"
    reviews = []
    for _n in range(3):
        buyer, order = delivered()
        reviews.append(services.submit_review(order.id, order.lines[0].id, buyer,
                                              ratings={"quality": 2, "weight": 2, "delivery": 2}, text="一般"))
    login(make_user())
    codes = [client.post(f"/reviews/{r.id}/report", data={"reason": "abuse"}).status_code for r in reviews]
    assert codes == [302, 302, 429]
    assert db.session.scalar(db.select(db.func.count()).select_from(ReviewReport)) == 2
