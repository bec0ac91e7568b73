"""Apps in processes of their own, as on several machines: each has its own data folder and shares
only the database. ``AppProcess(config).call(func, *args)`` runs ``func(app, *args)`` in that
process's app context and returns what it returns (picklable), or raises with the child's traceback.

The two-process search test uses it; tests of other things several machines share (jobs, rate
limits, caches) can start more of them the same way.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable


def _serve(config: dict, inbox, outbox) -> None:
    from marketplace import create_app
    from marketplace.extensions import db

    try:
        app = create_app(config)
    except BaseException:  # noqa: BLE001 - reported to the parent
        outbox.put((False, traceback.format_exc()))
        return
    with app.app_context():
        outbox.put((True, "ready"))
        while (item := inbox.get()) is not None:
            func, args, kwargs = item
            try:
                outbox.put((True, func(app, *args, **kwargs)))
            except BaseException:  # noqa: BLE001 - reported to the parent
                outbox.put((False, traceback.format_exc()))
            finally:
                db.session.remove()
        db.engine.dispose()


class AppProcess:
    """One app (``create_app(config)``) serving calls in a spawned process."""

    def __init__(self, config: dict, timeout: float = 120):
        ctx = multiprocessing.get_context("spawn")
        self.inbox, self.outbox = ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=_serve, args=(config, self.inbox, self.outbox), daemon=True)
        self.process.start()
        ok, value = self.outbox.get(timeout=timeout)
        if not ok:
            self.process.join(10)
            raise RuntimeError(f"the app process did not start:\n{value}")

    def call(self, func: Callable, *args, timeout: float = 120, **kwargs):
        self.inbox.put((func, args, kwargs))
        ok, value = self.outbox.get(timeout=timeout)
        if not ok:
            raise AssertionError(f"{func.__name__} failed in the app process:\n{value}")
        return value

    def close(self) -> None:
        if self.process.is_alive():
            self.inbox.put(None)
            self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(10)
        self.inbox.close()
        self.outbox.close()

    def __enter__(self) -> AppProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- calls: plain functions, so a spawned process can import them ---------------------------------

def create_product(app, shop_id: int, title: str, category: str = "农产品/水果", price_cents: int = 1500) -> int:
    """A published product, made as its merchant makes it (catalog.services.create_product)."""
    from catalog.categories import find_category
    from catalog.models import ProductStatus
    from catalog.services import create_product as create
    from marketplace.extensions import db
    from marketplace.shops.models import Shop

    shop = db.session.get(Shop, shop_id)
    variant = {"name": "5kg 箱装", "unit": "箱", "price_cents": price_cents, "stock": 50, "moq": 1, "step": 1,
               "tiers": []}
    product = create(shop, shop.members[0].user, {"title": title, "category": find_category(category)}, [variant],
                     status=ProductStatus.PUBLISHED)
    return product.id


def rename_product(app, product_id: int, title: str) -> None:
    from catalog.models import Product
    from catalog.services import update_product
    from marketplace.extensions import db

    product = db.session.get(Product, product_id)
    update_product(product, product.shop.members[0].user,
                   {"title": title, "category": product.category, "origin": product.origin})


def hide_product(app, product_id: int) -> None:
    from catalog.models import Product
    from catalog.services import hide
    from marketplace.extensions import db

    product = db.session.get(Product, product_id)
    hide(product, product.shop.members[0].user)


def api_search(app, q: str) -> list[int]:
    """The ids GET /api/v1/products answers for ``q`` (the same call a buyer's app makes)."""
    response = app.test_client().get("/api/v1/products", query_string={"q": q, "per_page": 100})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def search_backend(app) -> str:
    return app.extensions["search"].name
