"""The product page a signed-in buyer gets (always rendered: no page cache for him) costs the same few
statements whatever the catalogue's size: the product with its photos in one, its variants with
their tiers in one, the related products' cards in one (their choice cached per category and shop),
the origin's path from a cached chain."""

from __future__ import annotations

from tests.marketplace.perf_helpers import bulk_catalogue, count_statements


def _statements(db, client, url: str) -> list[str]:
    assert client.get(url).status_code == 200  # warm: templates, the related choice, the origin's chain
    db.session.remove()
    with count_statements(db.engine) as seen:
        response = client.get(url)
    assert response.status_code == 200
    return seen


def test_product_page_statements_do_not_grow_with_the_catalogue(app, db, client, make_shop, make_user, login):
    from catalog.categories import load_categories

    load_categories()
    from marketplace.shops.models import Shop

    the_shops = [make_shop(county=name) for name in ("柘城县", "宁陵县", "永城市")]
    shop_ids = [s.id for s in the_shops]
    ids = bulk_catalogue(db, the_shops, 3)
    login(make_user("buyer@example.com"))
    small = _statements(db, client, f"/p/{ids[4]}")
    more = bulk_catalogue(db, [db.session.get(Shop, i) for i in shop_ids], 80)
    large = _statements(db, client, f"/p/{more[100]}")
    assert len(small) == len(large), ("\n".join(small), "\n".join(large))
    # the product and photos, variants and tiers, related cards, review totals, the buyer's open report,
    # and the signed-in layout's two (the user with his unread counts and roles, his privacy consent)
    assert len(large) <= 7, "\n".join(large)
    assert not any("RECURSIVE" in s.upper() for s in large)  # the origin's chain is cached
