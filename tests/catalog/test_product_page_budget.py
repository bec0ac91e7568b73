"""The product page a signed-in buyer gets (always rendered: no page cache for him) costs the same few
statements whatever the catalogue's size: the product with its photos and review totals in one, its
variants with their tiers in one, the related products' cards in one (their choice cached per
category and shop, and made in that statement when it is not), the origin's path from a cached
chain, the reader's open report only when he has one."""

from __future__ import annotations

import sqlalchemy as sa

from catalog.models import Product
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
    # the product with its photos and review totals, variants and tiers, the related cards, and the
    # signed-in layout's (the user with his unread counts, roles and whether he has an open report;
    # his privacy consent when the session does not hold it yet)
    assert len(large) <= 5, "\n".join(large)
    assert not any("RECURSIVE" in s.upper() for s in large)  # the origin's chain is cached


def _reads_of(table: str, statements: list[str]) -> list[str]:
    """The statements that read ``table`` as their own (not inside another's subquery)."""
    return [s for s in statements if " ".join(s.split()).upper().startswith(f"SELECT {table.upper()}.")]


def test_the_readers_report_is_read_only_when_he_has_an_open_one(db, client, make_product, make_user, login):
    """Whether a buyer has an open report at all comes with his own load (an EXISTS in the user's
    statement), so most product pages ask nothing more; one who has reported something is asked
    about this product, and sees "you reported it" on that one only."""
    from catalog.models import ProductReport

    reported, other = make_product(title="仿冒名酒").id, make_product(title="宁陵酥梨").id
    login(make_user("reporter@example.com"))
    before = _statements(db, client, f"/p/{other}")
    assert _reads_of("product_reports", before) == [], "\n".join(before)
    assert "举报这个商品" in client.get(f"/p/{other}").get_data(as_text=True)

    assert client.post(f"/p/{reported}/report", data={"reason": "counterfeit"}).status_code == 303
    after = _statements(db, client, f"/p/{other}")
    assert len(_reads_of("product_reports", after)) == 1 and len(after) == len(before) + 1
    assert "举报这个商品" in client.get(f"/p/{other}").get_data(as_text=True)
    page = client.get(f"/p/{reported}").get_data(as_text=True)
    assert "您已举报过这个商品" in page and "举报这个商品" not in page

    # the admin closes it: he has no open report again, and the page asks nothing again
    report = db.session.scalar(sa.select(ProductReport))
    report.status, report.is_open = "dismissed", None
    db.session.commit()
    again = _statements(db, client, f"/p/{reported}")
    assert _reads_of("product_reports", again) == [] and len(again) == len(before)
    assert "举报这个商品" in client.get(f"/p/{reported}").get_data(as_text=True)


def test_review_totals_come_with_the_product_and_the_shop(db, client, make_product, make_user, login):
    """The reviews' block on the product and shop pages reads its totals joined to the page's own
    product or shop (reviews adds the load options), not in a statement of its own."""
    from reviews.models import ReviewTotal

    product = make_product(title="夏邑西瓜")
    product_id, shop_id, slug = product.id, product.shop_id, product.shop.slug
    db.session.add(ReviewTotal(kind="product", subject_id=product_id, count=2, quality_sum=9, weight_sum=8,
                               delivery_sum=10))
    db.session.add(ReviewTotal(kind="shop", subject_id=shop_id, count=3, quality_sum=15, weight_sum=15,
                               delivery_sum=15))
    db.session.commit()
    login(make_user("reader@example.com"))
    for url, shown in ((f"/p/{product_id}", 'class="review-average">4.5<'), (f"/shops/{slug}", "3 条评价")):
        seen = _statements(db, client, url)
        assert _reads_of("review_totals", seen) == [], "\n".join(seen)
        assert shown in client.get(url).get_data(as_text=True)


def test_the_related_cards_cost_one_statement_chosen_or_kept(db, client, make_shop, make_user, login):
    """The related products: when their choice is not kept yet, the statement that chooses them
    reads their cards too; when it is kept, one statement reads the cards by id. The same count."""
    from catalog.categories import load_categories

    load_categories()
    shop = make_shop()
    ids = bulk_catalogue(db, [shop], 12)  # two categories, taken in turn
    login(make_user("buyer@example.com"))
    assert client.get(f"/p/{ids[0]}").status_code == 200  # templates, the origin's chain: warm
    db.session.remove()
    url = f"/p/{ids[1]}"  # the other category: its related choice is not kept yet
    with count_statements(db.engine) as chosen:
        page = client.get(url).get_data(as_text=True)
    db.session.remove()
    with count_statements(db.engine) as kept:
        assert client.get(url).status_code == 200
    assert len(chosen) == len(kept), ("\n".join(chosen), "\n".join(kept))
    assert page.count('class="card product-card"') >= 5  # the shop's other products in the category


def test_the_related_statement_is_planned_once_on_postgresql(db, make_shop):
    """Its LIMIT is written into the statement (marketplace.db.literal_int): with a bound LIMIT,
    PostgreSQL assumed a tenth of the rows for a plan made for every value, found it dearer than
    planning each execution, and planned the statement anew on every product page (at 100,000
    products: 0 generic plans in 300 executions before, 295 after; docs/performance.md). The text
    is what this test can hold at a test's size; on PostgreSQL it also checks that the prepared
    statement runs with a generic plan after its first executions."""
    from catalog.categories import load_categories
    from catalog.queries import _related_statement

    stmt = _related_statement(9)
    compiled = stmt.compile(dialect=db.engine.dialect)
    assert "LIMIT 9" in str(compiled) and not any(value == 9 for value in compiled.params.values())
    if db.engine.dialect.name != "postgresql":
        return
    load_categories()
    shops = [make_shop() for _ in range(3)]
    ids = bulk_catalogue(db, shops, 4)
    db.session.commit()
    pairs = db.session.execute(sa.select(Product.category_id, Product.shop_id).where(Product.id.in_(ids))).all()
    with db.engine.connect() as conn:  # one connection: psycopg prepares it on its fifth execution
        for n in range(16):
            category_id, shop_id = pairs[n % len(pairs)]
            assert conn.execute(stmt, {"category_id": category_id, "shop_id": shop_id}).all()
        plans = conn.execute(sa.text("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                                     "WHERE statement LIKE '%LIMIT 9%'")).all()
    assert plans and plans[0].generic_plans > 0, plans
