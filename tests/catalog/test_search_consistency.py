"""Index consistency, on every backend: every change shows in search as soon as the service call
returns; concurrent writers (threads and processes) never lose a change nor see a LockError;
rebuild and check."""

from __future__ import annotations

import logging
import multiprocessing
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from search import SearchQuery, search
from tests.catalog import search_fixtures
from tests.catalog.search_fixtures import backend_name, search_ids

# fixtures shared by the search tests (assigned, not imported, so they are not shadowed names)
add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops
app_config = search_fixtures.app_config


def hit(text, **kw):
    return search("products", SearchQuery(text=text, **kw))


def queue_rows(db):
    from search.models import SearchQueue

    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchQueue))


def test_save_hide_reprice_delete_show_at_once(catalogue, db, owner_of):
    from catalog.models import ProductStatus
    from catalog.services import hide, set_status, soft_delete, update_product
    from tests.catalog.catalog_helpers import variant_row

    p = catalogue["apple"]
    actor = owner_of(p)
    update_product(p, actor, {"title": "烟台红富士苹果 特级 10斤装", "category": p.category, "origin": p.origin})
    result = hit("特级")
    assert result.ids == [p.id]
    assert "<mark>特级</mark>" in str(result.highlights[p.id]["title"])

    [variant] = p.variants
    update_product(p, actor, {"title": p.title, "category": p.category, "origin": p.origin},
                   [variant_row(id=variant.id, price=99_900, stock=5, tiers=())])
    assert search_ids(ranges={"price_cents": (99_900, 99_900)}) == [p.id]
    assert search_ids("苹果", sort="-price_cents")[0] == p.id

    hide(p, actor)
    assert p.id not in search_ids("苹果")
    set_status(p, ProductStatus.PUBLISHED, actor)
    assert p.id in search_ids("苹果")
    soft_delete(p, actor)
    assert p.id not in search_ids("苹果")
    assert queue_rows(db) == 0


@pytest.fixture
def owner_of():
    return lambda product: product.shop.members[0].user


def test_shop_suspension_and_category_rename_reach_the_index(catalogue, db):
    from catalog.models import Category
    from marketplace.shops.models import ShopStatus

    shop = catalogue["ingot"].shop
    shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    assert search_ids("铝锭") == [] and search_ids("钢卷尺") == []
    shop.status = ShopStatus.APPROVED
    db.session.commit()
    assert search_ids("铝锭") == [catalogue["ingot"].id]

    cat = db.session.scalar(sa.select(Category).where(Category.path == "工业品/有色金属"))
    cat.name, cat.path = "有色金属冶炼", "工业品/有色金属冶炼"
    db.session.commit()
    assert search_ids(filters={"category_path": "工业品/有色金属冶炼"}) == [catalogue["ingot"].id]
    assert search_ids("冶炼") == [catalogue["ingot"].id]


def test_rollback_queues_nothing(catalogue, db):
    p = catalogue["wine"]
    p.title = "不会保存的标题"
    db.session.flush()
    db.session.rollback()
    assert search_ids("不会保存") == []
    assert queue_rows(db) == 0


def test_notify_changed_for_a_generic_index(app, db):
    """Another domain's index: documents come from its own callable; notify_changed queues them."""
    from search import IndexSpec, notify_changed, register_index

    store = {1: {"title": "民权葡萄酒产业园招商", "sector": "食品加工"}}
    register_index(IndexSpec(name="demo_projects", text_fields={"title": 3.0}, pinyin_fields=("title",),
                             keyword_fields=("sector",), document=lambda i: store.get(int(i)),
                             all_ids=lambda: list(store)))
    notify_changed("demo_projects", 1)
    db.session.commit()
    result = search("demo_projects", SearchQuery(text="putaojiu", facets=("sector",)))
    assert result.ids == [1] and result.facets["sector"] == [("食品加工", 1)]
    del store[1]
    notify_changed("demo_projects", 1)
    db.session.commit()
    assert search("demo_projects", SearchQuery(text="葡萄酒")).ids == []


class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(self.format(record))


def test_concurrent_writer_threads(catalogue, app, db):
    from catalog.models import Product

    ids = [p.id for p in catalogue.values()]
    errors: list[BaseException] = []
    log = _ErrorLog()
    logging.getLogger("catalog").addHandler(log)
    barrier = threading.Barrier(len(ids))

    def work(pid: int, n: int):
        try:
            with app.app_context():
                barrier.wait(10)
                product = db.session.get(Product, pid)
                product.title = f"并发修改标记{n}号 {product.title}"
                product.min_price_cents = 700_000 + n
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(pid, n)) for n, pid in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    logging.getLogger("catalog").removeHandler(log)
    assert not errors, errors
    assert not log.records, log.records
    assert set(search_ids("并发修改标记", per_page=100)) == set(ids)
    for n, pid in enumerate(ids):
        assert search_ids(ranges={"price_cents": (700_000 + n, 700_000 + n)}) == [pid]
    assert queue_rows(db) == 0


def _child(config: dict, ids: list[int], tag: str, start, out):
    """A separate process (as a gunicorn worker would be): its own app, committing product changes."""
    import logging as _logging

    from catalog.models import Product
    from marketplace import create_app
    from marketplace.extensions import db as _db

    log = _ErrorLog()
    _logging.getLogger("catalog").addHandler(log)
    try:
        app = create_app(config)
        with app.app_context():
            start.wait(60)
            for n, pid in enumerate(ids):
                product = _db.session.get(Product, pid)
                product.title = f"{tag}{n} {product.title}"
                _db.session.commit()
            # A gunicorn worker lives on after its request: when its commit found the writer busy
            # for longer than SEARCH_WRITE_WAIT, its background retry finishes the job. This
            # process is about to exit, so let that retry run to its end as it would in a worker.
            for thread in threading.enumerate():
                if thread.name.startswith("search-drain"):
                    thread.join(30)
        out.put((tag, None, log.records))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out.put((tag, repr(exc), log.records))


@pytest.mark.slow
def test_concurrent_writer_processes(catalogue, app, db):
    keys = ["SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "DATA_DIR", "MEDIA_DIR", "SEARCH_INDEX_DIR",
            "SEARCH_BACKEND", "SECRET_KEY", "TESTING", "RATELIMIT_STORAGE_URI", "REDIS_URL", "MAIL_SERVER", "SERVER_NAME"]
    config = {k: app.config[k] for k in keys if k in app.config}
    ids = sorted(p.id for p in catalogue.values())
    groups = {"甲进程": ids[0::3], "乙进程": ids[1::3], "丙进程": ids[2::3]}
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(config, group, tag, start, out)) for tag, group in groups.items()]
    for p in procs:
        p.start()
    start.set()
    reports = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    for tag, error, records in reports:
        assert error is None, (tag, error)
        assert not records, (tag, records)
        assert not any("LockError" in r for r in records)
    assert queue_rows(db) == 0
    for tag, group in groups.items():
        assert set(search_ids(tag, per_page=100)) == set(group), tag


def test_lock_held_elsewhere_changes_wait_in_queue_then_apply(catalogue, app, db):
    """While another writer holds the index, a commit succeeds, the change waits queued, and the
    background retry applies it once the writer is released (no LockError reaches anyone)."""
    import time

    if backend_name(app) != "whoosh":
        pytest.skip("the whoosh backend's writer lock")

    from search.whoosh.writer import handle_for

    writer = handle_for("products").writer(timeout=5)
    try:
        p = catalogue["tape"]
        p.title = "虞城钢卷尺 锁等待测试"
        db.session.commit()
        assert queue_rows(db) == 1
        assert search_ids("锁等待测试") == []
    finally:
        writer.cancel()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and search_ids("锁等待测试") != [p.id]:
        time.sleep(0.05)
    assert search_ids("锁等待测试") == [p.id]
    # The retry deletes the applied row right after committing the index (still under the lock).
    while time.monotonic() < deadline and queue_rows(db):
        time.sleep(0.05)
    assert queue_rows(db) == 0


def test_check_reports_and_fixes_drift(catalogue, app, db):
    from catalog.models import Product
    from search.backend import current_backend

    check = current_backend().check
    assert check("products").ok
    # drift 1: a document deleted from the index behind the database's back
    if backend_name(app) == "whoosh":
        from search.whoosh.writer import handle_for

        w = handle_for("products").writer(timeout=5)
        w.delete_by_term("id", str(catalogue["pear"].id))
        w.commit()
    else:
        db.session.execute(sa.text("DELETE FROM search_documents WHERE index_name = 'products' AND object_id = :id"),
                           {"id": str(catalogue["pear"].id)})
    # drift 2: the database edited without the ORM (no queue row)
    db.session.execute(sa.update(Product).where(Product.id == catalogue["wine"].id).values(min_price_cents=1))
    # drift 3: a product that should not be found any more, also edited behind the index's back
    db.session.execute(sa.update(Product).where(Product.id == catalogue["tape"].id).values(deleted_at=sa.func.now()))
    db.session.commit()
    assert queue_rows(db) == 0

    report = check("products")
    assert report.missing == [catalogue["pear"].id]
    assert report.stale == [catalogue["wine"].id]
    assert report.extra == [catalogue["tape"].id]
    assert search_ids("钢卷尺") == [catalogue["tape"].id]  # still wrong before the fix

    fixed = check("products", fix=True)
    assert fixed.fixed
    assert check("products").ok
    assert search_ids("酥梨") == [catalogue["pear"].id]
    assert search_ids(ranges={"price_cents": (1, 1)}) == [catalogue["wine"].id]
    assert search_ids("钢卷尺") == []


def test_cli_rebuild_and_check(catalogue, app, db):
    import os

    whoosh = backend_name(app) == "whoosh"
    if whoosh:
        from search.whoosh.writer import handle_for

        handle = handle_for("products")
        before = handle.current_path()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "rebuild", "--index", "products"])
    assert result.exit_code == 0, result.output
    assert "products: 10 documents" in result.output
    if whoosh:
        after = handle.current_path()
        assert after != before and os.path.islink(handle.link)
    assert set(search_ids("苹果")) == {catalogue[k].id for k in ("apple", "gala", "html")}

    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "products: in sync" in result.output

    db.session.execute(sa.text("DELETE FROM search_queue"))
    from catalog.models import Product

    db.session.execute(sa.update(Product).where(Product.id == catalogue["gala"].id).values(title="嘎啦果"))
    db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "stale: 1" in result.output
    result = runner.invoke(args=["search", "check", "--fix"])
    assert result.exit_code == 0 and "fixed" in result.output
    assert catalogue["gala"].id not in search_ids("苹果")
    assert runner.invoke(args=["search", "rebuild", "--index", "nope"]).exit_code != 0
    assert isinstance(CliRunner, type)


def test_searches_keep_working_during_rebuild(catalogue, app, db):
    """A search between folder build and swap reads the old index; after the swap the new one."""
    from search.backend import current_backend

    seen = []

    def progress(n):
        seen.append(search_ids("苹果"))

    current_backend().rebuild("products", progress=progress)
    assert seen and all(set(s) == {catalogue[k].id for k in ("apple", "gala", "html")} for s in seen)
    assert set(search_ids("苹果")) == {catalogue[k].id for k in ("apple", "gala", "html")}
