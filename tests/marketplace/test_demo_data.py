"""The seeded demo as a Shangqiu market would recognise it: one product per good (grades, sizes,
colours and vintages are variants), something on every category and county page, three months of
orders in every status paid every way, refunds, a dispute, settlements, a balanced ledger and stock
that agrees with its movements, and 一县一品 tiles that show each county's specialties.

The demo is seeded once per test process in a database of its own (tests/demo_app.py), shared with
the domains' demo tests.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from tests.catalog.demo_names import near_duplicate_key

pytestmark = pytest.mark.slow

SUITE_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


def _suite():
    """tests/conftest.py as pytest loaded it (see tests/e2e/conftest.py)."""
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) and Path(module.__file__).resolve() == SUITE_CONFTEST:
            return module
    spec = importlib.util.spec_from_file_location("_suite_conftest", SUITE_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo(demo_app):
    """An app whose database holds the whole seeded demo (tests/demo_app.py: once per test process)."""
    return demo_app


@pytest.fixture
def ctx(demo):
    with demo.app_context():
        yield demo
        db.session.remove()


# --- the catalogue --------------------------------------------------------------------------------

def test_no_product_differs_from_another_of_its_shop_only_by_grade_size_colour_or_vintage(ctx):
    from catalog.models import Product

    seen: dict[tuple[int, str], str] = {}
    products = db.session.scalars(sa.select(Product).where(Product.deleted_at.is_(None))).all()
    assert len(products) >= 120
    for product in products:
        key = (product.shop_id, near_duplicate_key(product.title))
        assert key not in seen, f"{product.title!r} and {seen[key]!r} differ only by grade/size/colour/vintage"
        seen[key] = product.title
    # ... and those words are variants: several products have variants of several grades or vintages
    by_title = {p.title: p for p in products}
    assert {v.name.split(" · ")[0] for v in by_title["柘城三樱椒 干椒"].variants} == {"特级", "一级", "二级"}
    assert {v.name.split(" · ")[0] for v in by_title["民权赤霞珠干红葡萄酒"].variants} == {"2020 年", "2022 年"}
    shoes = by_title["睢县休闲板鞋"].variants
    assert len({v.price_cents for v in shoes}) > 1 and all(v.moq == 300 and v.tiers for v in shoes)


def test_every_category_and_county_page_shows_something(ctx):
    client = ctx.test_client()
    from catalog.models import Category
    from marketplace.regions.services import counties

    for category in db.session.scalars(sa.select(Category)).all():
        html = client.get(f"/c/{category.code}").get_data(as_text=True)
        assert 'class="product-card' in html or "product-card" in html, f"category {category.path} is empty"
    for county in counties():
        html = client.get(f"/county/{county.code}").get_data(as_text=True)
        assert "product-card" in html, f"county {county.name} is empty"


# --- three months of trade ------------------------------------------------------------------------

def test_orders_in_every_status_paid_every_way(ctx):
    from orders.models import Order, OrderStatus
    from orders.terms_models import Statement, StatementStatus
    from payments.models import (
        Dispute,
        Payment,
        PaymentMethod,
        PaymentStatus,
        Refund,
        RefundStatus,
        Settlement,
    )

    statuses = dict(db.session.execute(sa.select(Order.status, sa.func.count()).group_by(Order.status)).all())
    assert set(statuses) == set(OrderStatus), statuses
    assert sum(statuses.values()) >= 200
    paid = {m for m, in db.session.execute(sa.select(Payment.method).where(Payment.status == PaymentStatus.SUCCEEDED))}
    assert paid == set(PaymentMethod)
    # monthly credit: past statements paid, last month's issued, this month's open
    assert {s.status for s in db.session.scalars(sa.select(Statement))} == set(StatementStatus)
    refunds = db.session.scalars(sa.select(Refund).where(Refund.status == RefundStatus.SUCCEEDED)).all()
    full = [r for r in refunds if r.order_id and r.amount_cents == r.order.total_cents]
    partial = [r for r in refunds if r.order_id and r.amount_cents < r.order.total_cents]
    assert full and partial and any(r.restock and r.lines for r in partial)
    assert {r.payment.method for r in refunds} >= {PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER,
                                                   PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY}
    (dispute,) = db.session.scalars(sa.select(Dispute)).all()
    assert dispute.payment.method == PaymentMethod.STRIPE and dispute.payment.attention.startswith("dispute ")
    assert db.session.scalar(sa.select(sa.func.count(Settlement.id))) >= 10


def test_several_kinds_of_buyers_with_addresses(ctx):
    from marketplace.accounts.models import User
    from orders.models import Address, Order

    buyers = db.session.execute(sa.select(User.name, sa.func.count(sa.distinct(Order.id))).join(
        Order, Order.buyer_id == User.id).group_by(User.name)).all()
    names = " ".join(name for name, count in buyers if count >= 5)
    for kind in ("餐馆", "超市", "食品厂", "家庭", "农户", "菜贩"):
        assert kind in names, kind
    with_orders = set(db.session.scalars(sa.select(Order.buyer_id).distinct()))
    with_address = set(db.session.scalars(sa.select(Address.user_id)))
    assert with_orders <= with_address


def test_the_history_spans_three_months_and_each_order_moves_forward_in_time(ctx):
    from marketplace.db import as_utc, utcnow
    from orders.models import Order, OrderStatusChange

    now = utcnow()
    created = [as_utc(t) for t in db.session.scalars(sa.select(Order.created_at))]
    assert min(created) < now - dt.timedelta(days=85) and max(created) <= now
    assert len({t.date() for t in created}) >= 60  # most days have orders
    history: dict[int, list] = {}
    for change in db.session.scalars(sa.select(OrderStatusChange).order_by(OrderStatusChange.id)):
        history.setdefault(change.order_id, []).append(change)
    for order in db.session.scalars(sa.select(Order)):
        moves = history[order.id]
        times = [as_utc(c.created_at) for c in moves]
        assert times == sorted(times) and times[0] == as_utc(order.created_at) and times[-1] <= now
        assert moves[-1].to_status == order.status
        assert [c.from_status for c in moves[1:]] == [c.to_status for c in moves[:-1]]


def test_the_ledger_balances_and_stock_agrees_with_its_movements(ctx):
    from catalog.models import StockMovement, Variant
    from orders.models import Order, OrderStatus
    from orders.terms_models import CreditCharge
    from payments import ledger
    from payments.models import LedgerEntry

    sums = ledger.group_sums()
    assert sums and all(v == 0 for v in sums.values()), sums
    txns = db.session.execute(sa.select(LedgerEntry.txn, sa.func.sum(LedgerEntry.amount_cents))
                              .group_by(LedgerEntry.txn)).all()
    assert all(total == 0 for _txn, total in txns)
    moved = dict(db.session.execute(sa.select(StockMovement.variant_id, sa.func.sum(StockMovement.delta))
                                    .group_by(StockMovement.variant_id)).all())
    for variant_id, stock in db.session.execute(sa.select(Variant.id, Variant.stock)):
        assert stock == moved.get(variant_id, 0) >= 0
    # every order the buyer paid for has its payment booked (credit orders: once the statement is paid)
    on_credit = set(db.session.scalars(sa.select(CreditCharge.order_id)))
    for order in db.session.scalars(sa.select(Order).where(Order.paid_at.is_not(None))):
        if order.id not in on_credit and order.status != OrderStatus.CANCELLED:
            assert ledger.payment_of(order) is not None, order.number


def test_seeding_reports_the_history(demo):
    payments = dict(demo.seed_results)["payments"]
    assert payments["history orders"] >= 200 and payments["history refunds"] >= 5 and payments["disputes"] == 1


# --- 一县一品 ----------------------------------------------------------------------------------------

#: County -> words of which the tile shows at least one product (the regions file's specialties).
SPECIALTY_WORDS = {"柘城县": ("三樱椒", "朝天椒", "金刚石"), "宁陵县": ("酥梨",), "民权县": ("葡萄酒", "冷柜", "冷藏"),
                   "虞城县": ("钢卷尺",), "睢县": ("鞋",), "夏邑县": ("菇", "西瓜"), "永城市": ("面粉", "小麦粉", "煤", "铝")}


def test_the_home_tiles_show_each_countys_specialties(ctx):
    from catalog import home_cache

    tiles = {county.name: (specialties, products, fallback)
             for county, specialties, products, fallback in home_cache.county_specialties(4)}
    for county, words in SPECIALTY_WORDS.items():
        specialties, products, fallback = tiles[county]
        assert not fallback and products, county
        assert any(w in p.title for p in products for w in words), (county, [p.title for p in products])
        assert any(s.term for s in specialties)
    zhecheng = tiles["柘城县"]
    assert [s.label for s in zhecheng[0]] == ["三樱椒/朝天椒", "金刚石与超硬材料"]
    titles = [p.title for p in zhecheng[1]]
    assert any("金刚石" in t for t in titles) and any("椒" in t for t in titles)  # both specialties shown
    html = ctx.test_client().get("/").get_data(as_text=True)
    assert "三樱椒/朝天椒" in html and "/search?q=" in html and "county=" in html


# --- reviews -------------------------------------------------------------------------------------

def test_reviews_on_delivered_orders_with_photos_replies_and_right_totals(ctx):
    from orders.models import Order, OrderStatus
    from reviews import totals
    from reviews.models import Review, ReviewPhoto, ReviewTotal

    reviews = db.session.scalars(sa.select(Review)).all()
    assert len(reviews) >= 30
    assert sum(r.reply_text is not None for r in reviews) >= 10
    assert db.session.scalar(sa.select(sa.func.count(ReviewPhoto.id))) >= 5
    statuses = set(db.session.scalars(sa.select(Order.status).where(Order.id.in_({r.order_id for r in reviews}))))
    assert statuses <= {OrderStatus.DELIVERED, OrderStatus.COMPLETED}
    for row in db.session.scalars(sa.select(ReviewTotal)):
        assert (row.count, row.quality_sum, row.weight_sum, row.delivery_sum) == totals.recount(row.kind, row.subject_id)
    assert len({r.quality for r in reviews}) >= 3  # not all the same stars


def test_licensed_categories_keep_their_listings_and_one_licence_is_expiring(ctx):
    from catalog.models import Category, Product, ProductStatus
    from catalog.services import publish_problem
    from licences.models import CategoryLicence, LicenceStatus, LicenceType, ShopLicence
    from licences.services import local_today

    rows = db.session.execute(sa.select(Category.code, CategoryLicence.licence_type)
                              .join(CategoryLicence, CategoryLicence.category_id == Category.id)).all()
    required = dict(rows)
    assert required == {"inputs.seed": LicenceType.SEED, "inputs.pesticide": LicenceType.PESTICIDE}
    licensed = db.session.scalars(sa.select(Product).join(Category, Category.id == Product.category_id).where(
        Category.code.in_(list(required)), Product.deleted_at.is_(None))).all()
    assert len(licensed) >= 6 and {p.status for p in licensed} == {ProductStatus.PUBLISHED}
    assert all(publish_problem(p) is None for p in licensed)
    soon = local_today() + dt.timedelta(days=30)
    expiring = db.session.scalars(sa.select(ShopLicence).where(ShopLicence.status == LicenceStatus.VERIFIED,
                                                               ShopLicence.expires_on <= soon)).all()
    assert [lic.licence_type for lic in expiring] == [LicenceType.PESTICIDE]


def test_a_recalled_batch_with_its_notified_buyers(ctx):
    from catalog.models import Variant
    from marketplace.accounts.models import User
    from trace.models import BatchStatus
    from trace.recall_models import Recall

    recall = db.session.scalar(sa.select(Recall))
    assert recall is not None and recall.by_regulator
    assert {rb.batch.status for rb in recall.batches} == {BatchStatus.RECALLED} and len(recall.batches) >= 2
    told = set(db.session.scalars(sa.select(User.email).where(User.id.in_([n.buyer_id for n in recall.notices]))))
    assert "buyer@demo.example" in told and len(told) >= 2  # a buyer of the repacked child, the stall
    assert db.session.get(Variant, recall.batch.variant_id).stock > 0  # a fresh batch keeps the listing on sale
    assert db.session.scalar(sa.select(User.id).where(User.email == "regulator@demo.example")) is not None


def test_a_clean_repacked_chain_beside_the_recalled_one(ctx):
    """Besides the recalled chain, the stall's bags have an active, certified child batch whose
    parents are the cooperative's active, certified batches: a visitor follows a clean chain."""
    from catalog.models import ProductStatus
    from trace.models import Batch, BatchParent, BatchStatus

    children = db.session.scalars(sa.select(Batch).where(Batch.status == BatchStatus.ACTIVE, Batch.id.in_(
        sa.select(BatchParent.child_id)))).all()
    assert children
    child = children[0]
    assert child.certificate is not None and child.remaining > 0
    assert child.variant.product.status == ProductStatus.PUBLISHED and child.variant.product.in_stock
    parents = [link.parent for link in child.parents]
    assert parents and all(p.status == BatchStatus.ACTIVE and p.certificate is not None for p in parents)
    assert all(p.shop_id != child.shop_id for p in parents)  # bought on the platform from the producer
    assert db.session.scalar(sa.select(sa.func.count(Batch.id)).where(
        Batch.status == BatchStatus.RECALLED, Batch.id.in_(sa.select(BatchParent.child_id)))) >= 1
