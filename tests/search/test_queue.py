"""The whoosh backend's change queue with several machines (nodes): every node gets every change,
each applies and deletes only its own rows, rows are claimed with SKIP LOCKED on PostgreSQL, and
nodes unseen for long are forgotten with their rows."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from search import SearchQuery, queue, search
from search.models import SearchNode, SearchQueue
from tests.conftest import make_config


@pytest.fixture
def app_config(app_config):
    app_config["SEARCH_BACKEND"] = "whoosh"
    return app_config


@pytest.fixture
def second_node(app, tmp_path):
    """Another machine: an app with its own data folder (its own index) on the same database."""
    from marketplace import create_app

    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "machine-b"))
    with other.test_request_context():
        other.preprocess_request()  # its first request registers the node
    yield other
    with other.app_context():
        from marketplace.extensions import db

        db.session.remove()
        db.engine.dispose()


def rows(db, node=None) -> list[tuple[str, str]]:
    stmt = sa.select(SearchQueue.node, SearchQueue.object_id)
    if node:
        stmt = stmt.where(SearchQueue.node == node)
    return [tuple(r) for r in db.session.execute(stmt).all()]


def titles_found(app, text) -> list[int]:
    with app.app_context():
        return search("products", SearchQuery(text=text)).ids


def test_a_node_is_kept_in_its_index_folder(app, tmp_path):
    node = app.extensions["search"].node
    assert len(node) == 32 and (tmp_path / "data" / "search-index" / queue.NODE_FILE).read_text() == node
    assert queue.node_id(app) == node  # the same folder, the same node (every worker of a machine)
    app.config["SEARCH_NODE"] = "web-1"
    assert queue.node_id(app) == "web-1"


def test_each_node_gets_every_change_and_deletes_only_its_own_rows(app, db, second_node, make_product):
    from search.whoosh import writer

    a, b = app.extensions["search"].node, second_node.extensions["search"].node
    assert {n.node for n in db.session.scalars(sa.select(SearchNode))} == {b}

    product = make_product(title="宁陵金顶谢花酥梨")  # through app: its commit drains app's rows
    assert {n.node for n in db.session.scalars(sa.select(SearchNode))} == {a, b}  # a registers with its change
    assert rows(db, a) == []
    assert set(rows(db, b)) == {(b, str(product.id))}  # still needed by machine b: not deleted
    assert titles_found(app, "酥梨") == [product.id]
    assert titles_found(second_node, "酥梨") == []  # b has not applied it yet

    with second_node.app_context():
        assert writer.drain(second_node) == 1
    assert rows(db) == []
    assert titles_found(second_node, "酥梨") == [product.id]


def test_an_unknown_node_is_registered_by_its_own_change(app, db):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchNode)) == 0
    from search import notify_changed

    notify = app.extensions["search"]
    notify_changed("products", 12345)
    db.session.commit()
    assert [n.node for n in db.session.scalars(sa.select(SearchNode))] == [notify.node]
    assert rows(db) == []  # applied (the product does not exist: nothing indexed) and deleted


def test_nodes_unseen_past_the_expiry_are_forgotten_with_their_rows(app, db, second_node, make_product):
    b = second_node.extensions["search"].node
    make_product(title="柘城三樱椒")
    assert rows(db, b)
    db.session.execute(sa.update(SearchNode).where(SearchNode.node == b)
                       .values(seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
    db.session.commit()
    later = make_product(title="永城面粉")
    assert str(later.id) not in [key for _node, key in rows(db, b)]  # not queued for a node away so long
    assert app.extensions["search"].prune_nodes() == 1
    assert rows(db, b) == []
    assert [n.node for n in db.session.scalars(sa.select(SearchNode))] == [app.extensions["search"].node]


def test_claimed_rows_are_skipped_by_another_claimer(app, db):
    """PostgreSQL: rows one process claimed (and has not deleted yet) are invisible to another's
    claim, which takes the next ones; SQLite has no row locks (one machine, the writer lock orders)."""
    from sqlalchemy.orm import Session

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's")
    node = app.extensions["search"].node
    with db.engine.begin() as conn:
        queue.register(conn, app, node)
        conn.execute(sa.insert(SearchQueue), [{"node": node, "index_name": "products", "object_id": str(i)}
                                              for i in range(6)])
    first, second = Session(db.engine), Session(db.engine)
    try:
        taken = queue.claim(first, node, "products", 4)
        others = queue.claim(second, node, "products", 4)
        assert [k for _i, k in taken] == ["0", "1", "2", "3"]
        assert [k for _i, k in others] == ["4", "5"]
        queue.delete(first, [i for i, _k in taken])
        first.commit()
        second.rollback()  # a process that failed: its rows are free again
        assert [k for _i, k in queue.claim(second, node, "products", 10)] == ["4", "5"]
    finally:
        first.close()
        second.close()
