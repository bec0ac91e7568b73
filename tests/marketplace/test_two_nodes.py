"""Two machines, for real: two gunicorn servers (gunicorn.conf.py, separate data folders) on one
PostgreSQL database, one Redis and one S3 server (SeaweedFS), with the job queue's workers, as
docs/deploy.md lays out several machines. Spoken to over HTTP only, as a load balancer would.

* a photo uploaded through node A is served by node B (from the bucket);
* a product edited on A is found by search on B at once (the postgres search backend);
* a login rate limit counts across both (Redis);
* node A dies between the checkout's stock reservation and its commit (crash point
  ``checkout.reserved``): nothing is half-saved, and the buyer's retry through node B with the same
  idempotency key makes exactly one order;
* a mail queued on A is sent exactly once by two workers racing for it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from marketplace.extensions import db
from tests.catalog.catalog_helpers import png_bytes
from tests.marketplace.perf_helpers import redis_url_or_none

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = redis_url_or_none()
SECRET = "two-nodes-test-secret-key-0123456789"
PASSWORD = "correct horse 42"


@pytest.fixture
def app_config(app_config):
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("two machines share a PostgreSQL database (TEST_DATABASE_URL)")
    if REDIS_URL is None:
        pytest.skip("two machines share Redis (TEST_REDIS_URL)")
    app_config.update(SEARCH_BACKEND="postgres", SECRET_KEY=SECRET)
    return app_config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One machine: a gunicorn master with its workers, its own data folder."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.name, self.port = name, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log, self.data = folder / f"{name}.log", folder / name
        env = {**env, "MARKETPLACE_DATA_DIR": str(self.data), "GUNICORN_BIND": f"127.0.0.1:{self.port}",
               "MARKETPLACE_PUBLIC_BASE_URL": self.url}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                             "marketplace:create_app()"], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code in (200, 503):
                    return
            except (requests.ConnectionError, requests.Timeout):
                # The master listens before its workers exist: it warms what they share first
                # (marketplace.domains.before_fork), which took over 5 s on a loaded machine.
                pass
            time.sleep(0.3)
        raise RuntimeError(f"node {self.name} did not start; its log ends:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.recipients: list[str] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
            self.recipients.extend(envelope.rcpt_tos)
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def cluster(app, s3_server, smtp, tmp_path):
    """Nodes A and B (A armed to die at the checkout's crash point), and the env a worker needs."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, **s3_server.env,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
           "MARKETPLACE_JOBS_BACKEND": "rq", "SEARCH_BACKEND": "postgres", "SEARCH_VOCABULARY_TTL": "0",
           "MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": "media", "MEDIA_S3_ENDPOINT_URL": s3_server.endpoint_url,
           "SECRET_KEY": SECRET, "MARKETPLACE_ENV": "development", "MARKETPLACE_RATELIMIT_LOGIN": "3 per minute",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "false",
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", "GUNICORN_LOGLEVEL": "warning",
           "MARKETPLACE_SEARCH_WARM_UP": "0"}
    for name in ("TEST_DATABASE_URL", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    nodes = [Node("a", {**env, "MARKETPLACE_CRASH_AT": "checkout.reserved"}, tmp_path), Node("b", env, tmp_path)]
    try:
        for node in nodes:
            node.wait_ready()
        yield nodes[0], nodes[1], env
    finally:
        for node in nodes:
            node.stop()


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=20)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def _login(session: requests.Session, node: Node, email: str, password: str = PASSWORD) -> int:
    token = _csrf(session, node.url + "/account/login")
    return session.post(node.url + "/account/login", data={"email": email, "password": password, "csrf_token": token},
                        allow_redirects=False, timeout=20).status_code


def _token(user, scopes: str = "read buyer") -> dict:
    from marketplace.accounts.models import ApiToken
    from marketplace.security import hash_token, new_token

    token = new_token()
    db.session.add(ApiToken(user_id=user.id, name="two nodes", token_hash=hash_token(token), prefix=token[:8], scopes=scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_photo_search_and_rate_limits_are_shared(cluster, make_product, make_user):
    a, b, env = cluster
    product = make_product(title="宁陵酥梨 5斤装")
    owner = product.shop.members[0].user

    target = make_user(email="target@example.com")
    merchant = requests.Session()
    assert _login(merchant, a, owner.email) == 302
    codes = [_login(requests.Session(), node, target.email, "wrong password") for node in (b, a, b)]
    # 3 per minute from this address, counted across both machines: the merchant's login on A was
    # the first, these are the second (on B), the third (on A) and one too many (on B); right after
    # it, as the window opens with the first attempt and the photo's worker below can take a minute
    assert codes == [200, 200, 429]
    token = _csrf(merchant, f"{a.url}/merchant/products/{product.id}/photos")
    upload = merchant.post(f"{a.url}/merchant/products/{product.id}/photos", data={"csrf_token": token},
                           files={"photo": ("pear.png", png_bytes(900, 600), "image/png")}, timeout=60)
    assert upload.status_code == 200 and "图片已上传" in upload.text
    db.session.expire_all()
    key = next(iter(sorted(product.images, key=lambda i: i.id))).variants["800"]
    photo = requests.get(f"{b.url}/media/{key}", timeout=20)  # the other machine, from the bucket
    assert photo.status_code == 200 and photo.content[8:12] == b"WEBP"
    # its sizes are made by a worker (media.derivatives): until then both machines show the original
    original = key.rsplit("-", 1)[0] + "-full.webp"
    assert "immutable" not in photo.headers["Cache-Control"]
    assert original in requests.get(f"{b.url}/p/{product.id}", timeout=20).text
    flask = [sys.executable, "-m", "flask", "--app", "marketplace"]
    worker = subprocess.run([*flask, "worker", "--burst", "--no-scheduler"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=180)
    assert worker.returncode == 0, worker.stderr[-2000:]
    photo = requests.get(f"{b.url}/media/{key}", timeout=20)
    assert photo.status_code == 200 and "immutable" in photo.headers["Cache-Control"]
    page = requests.get(f"{b.url}/p/{product.id}", timeout=20).text
    assert key in page and original not in page
    assert not (a.data / "media").exists() and not (b.data / "media").exists()  # no machine keeps media

    api = _token(owner, "read merchant")
    edit = requests.patch(f"{a.url}/api/v1/shops/{product.shop_id}/products/{product.id}",
                          json={"title": "宁陵金顶谢花酥梨 礼盒"}, headers=api, timeout=20)
    assert edit.status_code == 200, edit.text
    found = requests.get(f"{b.url}/api/v1/products", params={"q": "谢花"}, timeout=20).json()
    assert [item["id"] for item in found["items"]] == [product.id]  # at once, on the other machine


def test_a_machine_dying_mid_checkout_leaves_nothing_and_the_retry_elsewhere_makes_one_order(
        cluster, make_user, make_variant):
    from catalog.models import StockMovement, Variant
    from orders.models import CartLine, OrderGroup

    a, b, _env = cluster
    buyer = make_user()
    variant = make_variant(price=1000, stock=5)
    auth = _token(buyer)
    assert requests.post(f"{a.url}/api/v1/cart", json={"variant_id": variant.id, "quantity": 2}, headers=auth,
                         timeout=20).status_code == 201
    headers = {**auth, "Idempotency-Key": "two-nodes-checkout-1"}
    with pytest.raises(requests.ConnectionError):  # node A's worker died mid-request
        requests.post(f"{a.url}/api/v1/checkout", json={}, headers=headers, timeout=30)

    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0
    assert db.session.get(Variant, variant.id).stock == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMovement)
                             .where(StockMovement.kind == "order")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 1

    placed = requests.post(f"{b.url}/api/v1/checkout", json={}, headers=headers, timeout=30)
    assert placed.status_code == 201, placed.text
    again = requests.post(f"{b.url}/api/v1/checkout", json={}, headers=headers, timeout=30)
    assert again.status_code == 200 and again.json()["id"] == placed.json()["id"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 1
    stock = db.session.get(Variant, variant.id).stock
    moved = db.session.scalar(sa.select(sa.func.sum(StockMovement.delta)).where(StockMovement.variant_id == variant.id))
    assert stock == 3 and moved == -2  # taken once: one order movement of the two units
    assert "crash point checkout.reserved" in a.tail()


def test_a_mail_queued_on_one_machine_is_sent_once_by_racing_workers(cluster, make_user, smtp):
    from marketplace.mail.models import OutboxMessage, OutboxStatus

    a, _b, env = cluster
    user = make_user(email="pear.grower@example.com")
    session = requests.Session()
    token = _csrf(session, a.url + "/account/reset")
    assert session.post(a.url + "/account/reset", data={"email": user.email, "csrf_token": token},
                        timeout=20).status_code in (200, 302)
    db.session.expire_all()
    [message] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert message.status == OutboxStatus.QUEUED and smtp.recipients == []  # queued, not sent by the web node

    flask = [sys.executable, "-m", "flask", "--app", "marketplace"]
    scheduled = subprocess.run([*flask, "scheduler", "--once"], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=120)
    assert scheduled.returncode == 0, scheduled.stderr  # the periodic mail.deliver too: two jobs race for it
    workers = [subprocess.Popen([*flask, "worker", "--burst", "--no-scheduler", "--name", f"w{n}-{os.getpid()}"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for n in (1, 2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err[-2000:]
    db.session.expire_all()
    assert smtp.recipients == [user.email]
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.SENT
