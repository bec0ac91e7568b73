"""SEARCH_BACKEND=postgres: refused without PostgreSQL; documents written in the changing transaction
(rolled back with it, savepoints included); two transactions touching one document leave no drift;
lexemes of any shape survive the tsvector literal."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from marketplace import create_app
from search.backend import SearchConfigError
from tests.conftest import make_config, with_postgres_search


def test_the_postgres_backend_needs_postgresql(tmp_path):
    config = make_config(f"sqlite:///{tmp_path / 'app.db'}", tmp_path, SEARCH_BACKEND="postgres")
    with pytest.raises(SearchConfigError, match="SEARCH_BACKEND=postgres keeps the search documents in PostgreSQL, "
                                                "but DATABASE_URL is sqlite"):
        create_app(config)


def test_an_unknown_backend_stops_the_app(tmp_path):
    config = make_config(f"sqlite:///{tmp_path / 'app.db'}", tmp_path, SEARCH_BACKEND="elastic")
    with pytest.raises(SearchConfigError, match="'elastic' is not a search backend; choose one of: postgres, whoosh"):
        create_app(config)


@pytest.fixture
def app_config(app_config):
    return with_postgres_search(app_config)


@pytest.fixture
def product(app, make_product):
    return make_product(title="宁陵金顶谢花酥梨", category="农产品/水果")


def document(db, product_id: int) -> dict | None:
    row = db.session.execute(sa.text("SELECT terms::text AS terms, stored FROM search_documents "
                                     "WHERE index_name = 'products' AND object_id = :id"), {"id": str(product_id)})
    found = row.mappings().first()
    db.session.rollback()
    return dict(found) if found else None


def ids(text: str) -> list[int]:
    from search import SearchQuery, search

    return search("products", SearchQuery(text=text)).ids


def test_the_document_commits_and_rolls_back_with_the_change(app, db, product):
    from marketplace.db import atomic

    doc = document(db, product.id)
    assert doc["stored"]["title"] == "宁陵金顶谢花酥梨" and "'suli':1A" not in doc["terms"]
    assert "'~0suli':1A" in doc["terms"] and "'^0sl':1A" in doc["terms"] and "'酥梨':1A" in doc["terms"]
    with pytest.raises(RuntimeError), atomic():
        product.title = "不会保存的标题"
        db.session.flush()
        raise RuntimeError("the service failed")
    assert document(db, product.id)["stored"]["title"] == "宁陵金顶谢花酥梨"
    assert ids("不会保存") == [] and ids("酥梨") == [product.id]
    assert db.session.scalar(sa.text("SELECT count(*) FROM search_queue")) == 0  # no queue at all


def test_a_failed_savepoint_keeps_the_outer_change(app, db, product):
    product.title = "宁陵白皮酥梨"
    db.session.flush()
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text("SELECT 1/0"))
    except sa.exc.DataError:
        pass
    db.session.commit()
    assert ids("白皮") == [product.id]


def test_two_transactions_on_one_document_leave_no_drift(app, db, product):
    """One session renames the product (not committed yet, its shop already loaded), another renames
    the shop and commits first: the document ends with both names."""
    from catalog.models import Product
    from marketplace.shops.models import Shop
    from search.backend import current_backend

    product = db.session.get(Product, product.id)
    assert product.shop.name  # the shop is in this session's identity map, with its old name
    product.title = "宁陵金顶谢花酥梨 新果"
    db.session.flush()
    errors = []

    def rename_shop():
        try:
            with app.app_context():
                shop = db.session.get(Shop, product.shop_id)
                assert db.session.get(Product, product.id).title == "宁陵金顶谢花酥梨"  # not committed yet
                shop.name = "宁陵酥梨专业合作社"
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=rename_shop)
    thread.start()
    thread.join(30)
    assert not errors, errors
    db.session.commit()
    assert ids("新果") == [product.id] and ids("专业合作社") == [product.id]
    assert current_backend().check("products").ok


def test_health_names_the_backend_and_counts(app, client, product):
    search = client.get("/healthz").get_json()["checks"]["search"]
    assert search["ok"] and search["backend"] == "postgres" and search["indexes"] == {"products": 1}


@pytest.mark.parametrize("lexeme", ["it's", "a\\b", "x:1", "a b", "'", "\\", "苹果", "~0lajiao", "^0lj", "a&b|c!"])
def test_any_lexeme_survives_the_literal(app, db, lexeme):
    from search.postgres.documents import quote, tsvector_literal

    vector = db.session.scalar(sa.text("SELECT tsvector_to_array(CAST(:v AS tsvector))"),
                               {"v": tsvector_literal({lexeme: {(1, "A")}, "other": {(2, "B")}})})
    assert sorted(vector) == sorted([lexeme, "other"])
    assert db.session.scalar(sa.text("SELECT CAST(:v AS tsvector) @@ CAST(:q AS tsquery)"),
                             {"v": tsvector_literal({lexeme: {(1, "A")}}), "q": f"{quote(lexeme)}:A"})


def test_facets_over_many_matches_are_estimated_and_the_page_says_so(app, client, make_product):
    from search import SearchQuery, search

    for n in range(6):
        make_product(title=f"富士苹果 {n} 号", category="农产品/水果")
    exact = search("products", SearchQuery(text="苹果", facets=("category_path",)))
    assert not exact.facets_estimated and dict(exact.facets["category_path"])["农产品/水果"] == 6
    app.extensions["search"].facet_sample = 4
    estimated = search("products", SearchQuery(text="苹果", facets=("category_path",)))
    assert estimated.facets_estimated and estimated.total == 6
    assert dict(estimated.facets["category_path"])["农产品/水果"] == 6  # 4 of 4 sampled, scaled to 6
    assert "括号中的数量是估算" in client.get("/search?q=苹果").get_data(as_text=True)
    assert client.get("/api/v1/products?q=苹果").get_json()["facets_estimated"] is True


def words(db) -> dict[str, int]:
    rows = db.session.execute(sa.text("SELECT word, documents FROM search_words WHERE index_name = 'products'"))
    found = dict(rows.all())
    db.session.rollback()
    return found


def test_pinyin_is_read_as_the_words_written_with_the_documents(app, db, product, make_product):
    from search.backend import current_backend

    assert {"宁陵", "酥梨"} <= set(words(db))  # written in the product's own transaction
    assert document(db, product.id)["terms"].count("'#梨'") == 1  # characters for substrings
    app.config["SEARCH_VOCABULARY_TTL"] = current_backend().vocabulary_ttl = 0
    assert ids("nlsl") == [product.id]  # initials across two words: read through search_words
    assert ids("梨") == [product.id]
    other = make_product(title="砀山酥梨 5斤装", category="农产品/水果")
    assert set(ids("suli")) == {product.id, other.id} and ids("nlsl") == [product.id]
    assert ids("ningling sulli") == [product.id]  # a slip, read once the exact spelling finds nothing
    db.session.execute(sa.text("INSERT INTO search_words (index_name, word, documents) VALUES ('products', '旧词', 9)"))
    db.session.commit()
    current_backend().rebuild("products")
    counts = words(db)
    assert counts["酥梨"] == 2 and counts["宁陵"] == 1 and "旧词" not in counts  # exact after a rebuild
