"""Issue 12, finding 1: every absolute link (mail, stored, exported) comes from the configured
PUBLIC_BASE_URL, never from the request's Host header; production refuses to start without it and
answers a foreign Host with 400."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.config import ConfigError, load_config
from marketplace.extensions import db as _db
from marketplace.mail.models import OutboxMessage
from marketplace.web import absolute_url
from tests.db_reset import empty_tables

BASE = "https://market.example.com"
EVIL = "http://evil.example"
PROD_SECRET = "p" * 40


@pytest.fixture
def app_config(app_config):
    app_config["PUBLIC_BASE_URL"] = BASE
    return app_config


def _bodies(db, template: str) -> list[str]:
    return [m.body_text + (m.body_html or "") for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id))]


def _only_canonical_links(text: str) -> None:
    links = re.findall(r"https?://[^\s\"'<>]+", text)
    assert links, text
    assert all(link.startswith(BASE + "/") for link in links), links
    assert "evil.example" not in text


def test_password_reset_requested_with_a_foreign_host_mails_the_canonical_link(client, db, make_user):
    user = make_user(email="victim@example.com")
    response = client.post("/account/reset", data={"email": user.email}, base_url=EVIL)
    assert response.status_code == 302
    [body] = _bodies(db, "password_reset")
    _only_canonical_links(body)
    assert f"{BASE}/account/reset/" in body


def test_registration_mails_link_to_the_canonical_host(client, db, make_user):
    make_user(email="taken@example.com")
    data = {"password": "brave new pass 9", "confirm": "brave new pass 9", "name": "", "consent": "y"}
    client.post("/account/register", data={"email": "taken@example.com", **data}, base_url=EVIL)
    app_client = client.application.test_client()
    app_client.post("/account/register", data={"email": "fresh@example.com", **data}, base_url=EVIL)
    for template in ("register_exists", "welcome"):
        [body] = _bodies(db, template)
        _only_canonical_links(body)


def test_password_change_notice_links_to_the_canonical_host(client, db, make_user):
    user = make_user()
    client.post("/account/login", data={"email": user.email, "password": "correct horse 42"}, base_url=EVIL)
    response = client.post("/account/password", base_url=EVIL, data={
        "current": "correct horse 42", "password": "a brand new secret 7", "confirm": "a brand new secret 7"})
    assert response.status_code == 302
    [body] = _bodies(db, "password_changed")
    _only_canonical_links(body)


def test_staff_invitation_mails_the_canonical_link(client, db, make_shop, make_user):
    owner = make_user()
    make_shop(owner=owner)
    client.post("/account/login", data={"email": owner.email, "password": "correct horse 42"}, base_url=EVIL)
    response = client.post("/merchant/staff/invite", data={"email": "worker@example.com"}, base_url=EVIL)
    assert response.status_code == 302
    [body] = _bodies(db, "shop_invite")
    _only_canonical_links(body)
    assert f"{BASE}/invites/" in body


def test_absolute_url_ignores_the_request_host_and_keeps_a_path_prefix(app):
    with app.test_request_context("/", base_url=EVIL):
        assert absolute_url("orders.my_orders") == f"{BASE}/orders"
    assert absolute_url("orders.my_orders") == f"{BASE}/orders"  # outside a request (cron, CLI): the same
    app.config["PUBLIC_BASE_URL"] = "https://city.example.org/market/"
    with app.test_request_context("/", base_url=EVIL):
        assert absolute_url("accounts.reset_with_token", token="t") == \
            "https://city.example.org/market/account/reset/t"


def test_the_shop_api_url_is_canonical(client, make_shop):
    shop = make_shop(slug="api-shop")
    data = client.get("/api/v1/shops/api-shop", base_url=EVIL).get_json()
    assert data["url"] == f"{BASE}/shops/{shop.slug}"


# --- configuration ----------------------------------------------------------------------------------

def test_production_refuses_to_start_without_a_public_base_url(tmp_path, monkeypatch):
    monkeypatch.delenv("MARKETPLACE_PUBLIC_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="MARKETPLACE_PUBLIC_BASE_URL"):
        load_config(str(tmp_path), {"ENV": "production", "SECRET_KEY": PROD_SECRET})


@pytest.mark.parametrize("url", ["market.example.com", "ftp://market.example.com", "https://", "http://market.example.com",
                                 "https://market.example.com/?a=1", "https://user:pw@market.example.com"])
def test_production_refuses_a_public_base_url_that_cannot_be_a_site_address(tmp_path, url):
    with pytest.raises(ConfigError, match="MARKETPLACE_PUBLIC_BASE_URL"):
        load_config(str(tmp_path), {"ENV": "production", "SECRET_KEY": PROD_SECRET, "PUBLIC_BASE_URL": url})


def test_the_environment_sets_the_base_url_and_the_trusted_hosts(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_PUBLIC_BASE_URL", "https://Market.Example.com/")
    monkeypatch.setenv("MARKETPLACE_EXTRA_HOSTS", " www.market.example.com, 10.0.0.5 ,")
    cfg = load_config(str(tmp_path), {"ENV": "production", "SECRET_KEY": PROD_SECRET})
    assert cfg["PUBLIC_BASE_URL"] == "https://market.example.com"
    assert cfg["TRUSTED_HOSTS"] == ["market.example.com", "www.market.example.com", "10.0.0.5"]
    dev = load_config(str(tmp_path), {"ENV": "development"})
    assert dev["TRUSTED_HOSTS"] is None  # development answers any host (localhost, 127.0.0.1, a LAN address)


@pytest.fixture
def production_app(app_config):
    app_config.update(ENV="production", SECRET_KEY=PROD_SECRET, EXTRA_HOSTS=["lb.internal"])
    app_config.pop("TRUSTED_HOSTS", None)
    application = create_app(app_config)
    with application.app_context():
        yield application
        _db.session.remove()
    empty_tables(application)


def test_production_refuses_a_foreign_host_with_400(production_app):
    client = production_app.test_client()
    assert client.get("/", base_url=EVIL).status_code == 400
    assert client.post("/account/reset", data={"email": "x@example.com"}, base_url=EVIL).status_code == 400
    assert client.get("/healthz", base_url="http://127.0.0.1:8000").status_code == 400
    assert client.get("/", base_url=BASE).status_code == 200
    assert client.get("/", base_url="http://lb.internal:8000").status_code == 200
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_development_keeps_localhost_and_the_loopback_address(client):
    assert client.get("/").status_code == 200
    assert client.get("/", base_url="http://127.0.0.1:5000").status_code == 200
