"""Sorting the products index by rating (the field reviews adds through search.extend_index), on
both backends where the database is PostgreSQL: a review or a hidden review re-indexes its product."""

from __future__ import annotations

from reviews import services
from search import SearchQuery, search
from tests.catalog import search_fixtures

app_config = search_fixtures.app_config  # both backends where the database is PostgreSQL


def _by_rating(text: str = "") -> list[int]:
    return search("products", SearchQuery(text=text, sort="-rating")).ids


def test_rating_sorts_best_first_and_follows_reviews_and_hiding(app, make_product, make_shop, delivered, make_user,
                                                               client):
    shop = make_shop()
    good, fair, poor, unrated = (make_product(shop, title=f"柘城辣椒 {n}") for n in ("特级", "一级", "二级", "统货"))
    buyer, order = delivered(products=[poor, good, fair], shop=shop)
    lines = {line.product_id: line for line in order.lines}
    reviews = {}
    for product, stars in ((good, 5), (fair, 4), (poor, 2)):
        reviews[product.id] = services.submit_review(order.id, lines[product.id].id, buyer, ratings={
            "quality": stars, "weight": stars, "delivery": stars})
    assert _by_rating("辣椒") == [good.id, fair.id, poor.id, unrated.id]  # unrated (0) last
    # the page offers the sort, and the API takes it
    html = client.get("/search?q=辣椒&sort=rating").get_data(as_text=True)
    assert 'value="rating" selected' in html and "按评分" in html
    assert html.index(f'/p/{good.id}"') < html.index(f'/p/{fair.id}"') < html.index(f'/p/{poor.id}"')
    data = client.get("/api/v1/products?q=辣椒&sort=rating").get_json()
    assert data["sort"] == "rating" and [i["id"] for i in data["items"]][:3] == [good.id, fair.id, poor.id]
    # hiding the best review takes the product back to unrated
    services.hide(reviews[good.id], make_user(roles=("admin",)), "刷单")
    assert _by_rating("辣椒")[:2] == [fair.id, poor.id]
    assert set(_by_rating("辣椒")[2:]) == {good.id, unrated.id}
