"""Two submits of the same line at once make one review (and one count in the totals); reviews of
different lines of one product at once all count."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from marketplace.extensions import db
from reviews import services, totals
from reviews.models import Review

STARS = {"quality": 4, "weight": 5, "delivery": 3}


def _at_once(app, works) -> list[str]:
    barrier, results = threading.Barrier(len(works)), []

    def run(work):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work()
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - a refusal, or SQLite's busy database: nothing saved then
                results.append(getattr(exc, "code", type(exc).__name__))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _submit(order_id: int, line_id: int, buyer_id: int):
    def work():
        from marketplace.accounts.models import User

        services.submit_review(order_id, line_id, db.session.get(User, buyer_id), ratings=STARS, text="并发")

    return work


def test_two_submits_of_one_line_make_one_review(app, delivered):
    buyer, order = delivered()
    args = (order.id, order.lines[0].id, buyer.id)
    shop_id, product_id = order.shop_id, order.lines[0].product_id
    results = _at_once(app, [_submit(*args) for _ in range(4)])
    assert results.count("ok") == 1, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1
    assert totals.of("shop", shop_id).count == 1 and totals.of("product", product_id).count == 1


def test_reviews_of_several_lines_at_once_all_count(app, delivered, make_product, make_shop):
    shop = make_shop()
    product = make_product(shop)
    orders = [delivered(products=[product], shop=shop) for _ in range(4)]
    works = [_submit(order.id, order.lines[0].id, buyer.id) for buyer, order in orders]
    results = _at_once(app, works)
    db.session.expire_all()
    done = results.count("ok")
    assert done >= 1
    # SQLite may answer "database is locked" to some: whatever succeeded is counted exactly once
    assert totals.recount("product", product.id) == (done, 4 * done, 5 * done, 3 * done)
    found = totals.of("product", product.id)
    assert (found.count, found.quality_sum, found.weight_sum, found.delivery_sum) == (done, 4 * done, 5 * done,
                                                                                        3 * done)
