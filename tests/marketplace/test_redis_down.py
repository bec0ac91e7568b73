"""Redis down (REDIS_URL on a closed port, the rq jobs backend, the page cache on): every page and
form still works without it — the caches are skipped, the rate limits count in memory, a job that
cannot be queued runs in this process after the request (nothing lost) — and what needs Redis
itself (requeueing a failed job) answers 503 saying so. The cache layer's recovery (bumps lost
while it was down are made when it answers again) is tested against a real Redis server that the
test starts and stops."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest
import sqlalchemy as sa

from marketplace import cache
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from tests.marketplace.test_mail import smtp_server, use_smtp  # noqa: F401  (a real SMTP server, a fixture)

DOWN = "redis://127.0.0.1:9/0"


@pytest.fixture
def app_config(app_config):
    app_config.update(REDIS_URL=DOWN, JOBS_BACKEND="rq", PAGE_CACHE_SECONDS=60)
    return app_config


def test_pages_and_forms_work_without_redis(app, client, make_product, make_user, login, caplog, smtp_server):  # noqa: F811
    caplog.set_level(logging.WARNING, logger="marketplace.cache")
    product = make_product(category="农产品/水果")
    category = product.category
    for path in ("/", "/", f"/c/{category.code}", f"/p/{product.id}", f"/p/{product.id}", "/search?q=商品"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert "X-Page-Cache" not in response.headers  # nothing cached, nothing served from a cache
    warnings = [r for r in caplog.get_records("setup") + caplog.records
                if r.name == "marketplace.cache" and "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # one line for the outage, not one per read

    # a form whose work is a job (the reset mail): the queue cannot take it, this process sends it
    use_smtp(app, smtp_server.port)
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    user = make_user(email="reset@example.com")
    response = client.post("/account/reset", data={"email": user.email})
    assert response.status_code in (302, 303)
    [mail] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "password_reset")).all()
    db.session.refresh(mail)
    assert mail.status.value == "sent" and smtp_server.recipients == [user.email]

    # login (its rate limit counts in memory), a wrong password, the cart
    wrong = client.post("/account/login", data={"email": user.email, "password": "wrong"})
    assert wrong.status_code == 200
    login(make_user())
    variant = product.variants[0]
    added = client.post("/cart/add", data={"variant_id": variant.id, "quantity": 1, "next": "/cart"})
    assert added.status_code in (302, 303)
    assert product.title in client.get("/cart").get_data(as_text=True)


def test_what_needs_redis_answers_503_saying_so(app, client, make_user, login):
    login(make_user(roles=("admin",)))
    client.post("/language", data={"locale": "en", "next": "/"})
    page = client.get("/admin/jobs")
    assert page.status_code == 200  # the page itself: the registered jobs, and that the queue is unreachable
    requeue = client.post("/admin/jobs/failed/abc/requeue")
    assert requeue.status_code == 503 and "The job queue (Redis) cannot be reached" in requeue.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["redis"]["ok"] is False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("redis-server did not start")


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_a_bump_lost_while_redis_was_down_is_made_when_it_answers(app_config):
    """Not the shared Redis: a redis-server of its own, stopped and started again mid-test (the
    cached entries would survive a network cut; a restart without persistence loses them anyway)."""
    from marketplace import create_app

    port = _free_port()
    server = _start_redis(port)
    try:
        own = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{port}/0", "CACHE_RETRY_SECONDS": 0})
        with own.app_context():
            assert cache.cached("tests", "k", lambda: "first") == "first"
            before = cache.version("tests")
            assert cache.cached("tests", "k", lambda: "rebuilt") == "first"  # from Redis
            server.kill()
            server.wait()
            assert not cache.known(cache.version("tests"))
            assert cache.cached("tests", "k", lambda: "uncached") == "uncached"
            cache.bump("tests")  # lost for now: remembered
            assert cache.claim("once", 60) is True and cache.claim("once", 60) is False  # counted here meanwhile
            server = _start_redis(port)
            cache.cache.cache._write_client.set("mkt:ver:tests", before)  # as if the data had survived the cut
            assert cache.version("tests") != before  # the remembered bump was made on the first answer
            assert cache.cached("tests", "k", lambda: "second") == "second"
    finally:
        server.kill()
        server.wait()
