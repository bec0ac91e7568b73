"""A request's transaction that only read ends with COMMIT on PostgreSQL, so that psycopg keeps the
statements it prepared (it forgets them all on ROLLBACK); one that wrote anything outside atomic(),
left an object or a job pending, or raised still ends with ROLLBACK and changes nothing."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.extensions import _writes, db
from tests.db_reset import empty_tables

ON_POSTGRES = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (psycopg)")


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT users.id FROM users", False),
    ("  select 1", False),
    ("SELECT products.id FROM products WHERE id = 1 FOR UPDATE", False),  # a lock ends alike either way
    ("WITH RECURSIVE up(id) AS (SELECT 1) SELECT id FROM up", False),
    ("WITH locked AS (SELECT id FROM variants FOR UPDATE) UPDATE variants SET stock = 0", True),
    ("SHOW transaction_isolation", False),
    ("INSERT INTO users (email) VALUES ('a')", True),
    ("UPDATE users SET name = 'x'", True),
    ("DELETE FROM users", True),
    ("SAVEPOINT sa_savepoint_1", True),
    ("SET LOCAL statement_timeout = 1000", True),
    ("CREATE TEMP TABLE t (id int)", True),
    ("", True),
])
def test_what_counts_as_a_write(statement, writes):
    class Context:  # a text statement's execution context: no DML flag set
        isinsert = isupdate = isdelete = isddl = False

    assert _writes(statement, Context()) is writes
    assert _writes(statement, None) is True  # no context: counted as a write


@pytest.fixture
def bare_app(app_config):
    """An app with no app context held open around its requests (the suite's ``app`` fixture holds
    one, so its requests never tear one down): each request ends its transaction as in a server."""
    application = create_app(app_config)
    marker = "read_commit_probe"

    @application.get("/_t/read")
    def _read():
        db.session.execute(sa.select(User.id).where(User.email != marker)).all()
        return "ok"

    @application.get("/_t/prepared")
    def _prepared():
        return str(db.session.execute(sa.text("SELECT count(*) FROM pg_prepared_statements "
                                               "WHERE statement LIKE '%users.email != %'")).scalar_one())

    @application.post("/_t/write-without-commit")
    def _write():
        db.session.execute(sa.update(User).values(name="changed without a commit"))
        return "ok"

    @application.post("/_t/pending")
    def _pending():
        db.session.execute(sa.select(User.id)).all()
        db.session.add(User(email="pending@example.com", password_hash="x"))
        return "ok"

    @application.post("/_t/job")
    def _job():
        db.session.execute(sa.select(User.id)).all()
        db.session.info["a pending job"] = ["its name"]  # as marketplace.jobs.registry keeps them
        return "ok"

    @application.post("/_t/fail")
    def _fail():
        db.session.execute(sa.select(User.id)).all()
        raise RuntimeError("a bug after a read")

    ends: list[str] = []
    with application.app_context():
        db.session.add(User(email="reader@example.com", password_hash="x", name="before"))
        db.session.commit()
        sa.event.listen(db.engine, "commit", lambda _conn: ends.append("COMMIT"))
        sa.event.listen(db.engine, "rollback", lambda _conn: ends.append("ROLLBACK"))
    application.ends = ends
    application.test_client().get("/_t/read")  # the first request registers the search node (a write)
    yield application
    empty_tables(application)


@ON_POSTGRES
def test_a_read_ends_with_commit_and_its_statements_stay_prepared(bare_app):
    client = bare_app.test_client()
    for _ in range(6):  # psycopg prepares a statement on its fifth execution on a connection
        bare_app.ends.clear()
        assert client.get("/_t/read").status_code == 200
        assert bare_app.ends == ["COMMIT"]  # the one transaction, with the read
    # one connection served them all (one request at a time): the statement is still prepared there
    assert int(client.get("/_t/prepared").get_data(as_text=True)) == 1


@ON_POSTGRES
@pytest.mark.parametrize("path", ["/_t/write-without-commit", "/_t/pending", "/_t/job", "/_t/fail"])
def test_a_request_that_wrote_left_something_pending_or_failed_is_rolled_back(bare_app, path):
    client = bare_app.test_client()
    bare_app.ends.clear()
    assert client.post(path).status_code == (500 if path == "/_t/fail" else 200)
    assert bare_app.ends == ["ROLLBACK"]
    with bare_app.app_context():
        assert db.session.execute(sa.select(User.email, User.name)).all() == [("reader@example.com", "before")]
