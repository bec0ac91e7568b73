"""The database stops (issue 12, finding 7): a request that needs it answers 503 with Retry-After, a
page in the visitor's language or JSON under /api/; what can be served without it keeps working
(static files, /healthz reporting the failure, pages in the page cache).

"Down" is real: on PostgreSQL a server that refuses connections (port 1) or a throwaway database
dropped while the app runs (its connections terminated); on SQLite a file in a folder that does not
exist, or whose folder is moved away while the app runs.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.conftest import make_config

ZH_TITLE, EN_TITLE = "服务暂时不可用", "Service temporarily unavailable"


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def down_app(_schema, tmp_path):
    """An app whose database refuses every connection."""
    url = ("postgresql+psycopg://postgres@127.0.0.1:1/nope" if _is_postgres(_schema)
           else f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")
    application = create_app(make_config(url, tmp_path / "data"))
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _assert_503(response, retry_after: str | None = "30"):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == retry_after or (retry_after is None and response.headers["Retry-After"])
    assert response.headers["Cache-Control"] == "no-store"


def test_an_html_page_answers_503_in_chinese_then_english(down_app):
    client = down_app.test_client()
    response = client.get("/")
    _assert_503(response)
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and ZH_TITLE in html and "数据库暂时无法连接" in html
    assert "Traceback" not in html and "OperationalError" not in html and "127.0.0.1" not in html

    english = client.get("/", headers={"Accept-Language": "en"})
    _assert_503(english)
    assert EN_TITLE in english.get_data(as_text=True) and ZH_TITLE not in english.get_data(as_text=True)

    # the header's language button needs no database: its choice holds on the next page
    assert client.post("/language", data={"locale": "en", "next": "/shops"}).status_code == 302
    switched = client.get("/shops")
    _assert_503(switched)
    assert EN_TITLE in switched.get_data(as_text=True)
    # a rate-limited route: Flask-Limiter may raise Retry-After to the end of its window
    _assert_503(client.post("/account/login", data={"email": "a@b.cn", "password": "x"}), retry_after=None)


def test_an_api_route_answers_json_503(down_app):
    client = down_app.test_client()
    for response in (client.get("/api/v1/products/1"), client.get("/api/v1/shops"),
                     client.post("/api/v1/cart", json={"variant_id": 1, "quantity": 1}),
                     client.get("/api/v1/me", headers={"Authorization": "Bearer mkt_whatever"})):
        _assert_503(response)
        assert response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["code"] == "service_unavailable" and error["retry_after"] == 30
        assert "数据库" in error["message"]
    english = client.get("/api/v1/shops", headers={"Accept-Language": "en"}).get_json()["error"]
    assert "database" in english["message"].lower()


def test_static_files_and_the_health_check_still_answer(down_app):
    client = down_app.test_client()
    static = client.get("/static/css/site.css")
    assert static.status_code == 200 and b".muted" in static.data
    static.close()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["checks"]["database"]["ok"] is False
    assert client.get("/api/v1/ping").get_json() == {"ok": True}


def test_a_signed_in_visitor_gets_the_503_not_a_500(app, client, make_user, login, down_app):
    """His session names a user the app cannot load: the 503 page is rendered as for a visitor."""
    user = make_user(locale="en")
    login(user)
    cookie = client.get_cookie("session")
    down = down_app.test_client()
    down.set_cookie("session", cookie.value)
    for path in ("/", "/orders", "/merchant"):
        response = down.get(path, headers={"Accept-Language": "zh-CN"})
        _assert_503(response)
        assert ZH_TITLE in response.get_data(as_text=True)
    static = down.get("/static/css/site.css")
    assert static.status_code == 200  # loading the user is not needed for a file
    static.close()


# --- a database that stops while the app runs --------------------------------------------------

@pytest.fixture
def throwaway(_schema, tmp_path):
    """(url, stop): a database of its own with the schema, and a function that stops it for good."""
    if _is_postgres(_schema):
        name = f"robust_down_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(_schema, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(_schema).set(database=name).render_as_string(hide_password=False)

        def stop():  # terminates the app's connections and removes the database
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        yield url, stop
        stop()
        admin.dispose()
    else:
        folder = tmp_path / "live"
        folder.mkdir()

        def stop():
            folder.rename(tmp_path / "gone")

        yield f"sqlite:///{folder / 'x.db'}", stop


def test_cached_pages_are_served_while_the_database_is_down(throwaway, tmp_path):
    url, stop = throwaway
    application = create_app(make_config(url, tmp_path / "data", PAGE_CACHE_SECONDS=60))
    with application.app_context():
        _db.create_all()
        from marketplace.accounts.models import User
        from marketplace.accounts.services import hash_password

        _db.session.add(User(email="reader@example.com", name="读者", password_hash=hash_password("pw-123456"),
                             locale="zh_CN"))
        _db.session.commit()
        _db.session.remove()
    visitor, member = application.test_client(), application.test_client()
    assert visitor.get("/").headers["X-Page-Cache"] == "miss"
    assert visitor.get("/").headers["X-Page-Cache"] == "hit"
    assert member.post("/account/login", data={"email": "reader@example.com",
                                               "password": "pw-123456"}).status_code == 302

    stop()  # PostgreSQL: the pooled connections are terminated, the next use of one fails
    if not _is_postgres(url):
        with application.app_context():
            _db.engine.dispose()  # SQLite: an open file would survive the move

    hit = visitor.get("/")
    assert hit.status_code == 200 and hit.headers["X-Page-Cache"] == "hit"
    served = member.get("/")  # his user cannot be loaded: the cached page, as to a visitor
    assert served.status_code == 200 and served.headers["X-Page-Cache"] == "hit"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert visitor.get("/search?q=x").status_code == 200  # the search index needs no database
    _assert_503(visitor.get("/shops"))  # not in the cache: it needs the database
    _assert_503(member.get("/orders"))
    assert visitor.get("/healthz").status_code == 503
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_redis_down_the_pages_and_writes_still_work(app_config, make_user):
    """Cache, page cache and rate limits all live in Redis in production: without it they degrade."""
    app_config.update(PAGE_CACHE_SECONDS=30, REDIS_URL="redis://127.0.0.1:1/0", CACHE_TYPE="RedisCache",
                      CACHE_REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    application = create_app(app_config)
    with application.app_context():
        user = make_user(email="redisdown@example.com")
        client = application.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/categories").status_code == 200
        assert client.post("/account/login", data={"email": user.email,
                                                   "password": "correct horse 42"}).status_code == 302
        assert client.post("/language", data={"locale": "en", "next": "/"}).status_code == 302
        assert client.get("/account/").status_code == 200
        _db.session.remove()
