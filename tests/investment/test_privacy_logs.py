"""Personal fields never reach a log: a journey with known e-mail addresses and phone numbers (sign-up,
profile, log in, an address, checkout by delivery, an investment inquiry, mail delivered over SMTP,
an unhandled error) leaves none of them in pytest's captured records nor in the JSON lines on stderr."""

from __future__ import annotations

import json
import logging
import re

import pytest
import sqlalchemy as sa

from marketplace.logs import JsonFormatter
from tests.marketplace.test_mail import Inbox, free_port, use_smtp
from tests.orders.conftest import pick

EMAIL = "lin.private.person@example.com"
PHONE = "13912345678"
SPACED_PHONE = "139 8765 4321"
INQUIRY_EMAIL = "investor.hidden@example.org"
INQUIRY_PHONE = "0370-6612345"
PASSWORD = "brave new pass 9"
SECRETS = (EMAIL, PHONE, SPACED_PHONE, "13987654321", INQUIRY_EMAIL, INQUIRY_PHONE, PASSWORD, "lin.private",
           "investor.hidden")


@pytest.fixture
def smtp_inbox(app):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(app, controller.port)
    yield inbox
    controller.stop()


@pytest.fixture
def county(regions):
    from marketplace.extensions import db
    from marketplace.regions.models import Region, RegionLevel

    return lambda name: db.session.scalar(sa.select(Region).where(Region.name == name, Region.level == RegionLevel.COUNTY))


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def _journey(app, client, make_variant, make_project, county) -> None:
    assert client.post("/account/register", data={"email": EMAIL, "name": "林先生", "password": PASSWORD,
                                                   "confirm": PASSWORD, "consent": "y"}).status_code == 302
    client.post("/account/", data={"name": "林先生", "phone": PHONE, "locale": "zh_CN"})
    client.post("/account/logout")
    client.post("/account/login", data={"email": EMAIL, "password": "wrong horse 99"})  # a failed try too
    assert client.post("/account/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    client.post("/account/addresses", data={"recipient": "林先生", "phone": SPACED_PHONE, "region": pick(county("柘城县")),
                                            "street": "人民路 8 号", "is_default": "y"})
    variant = make_variant(price=1200, stock=20)
    client.post("/cart/add", data={"variant_id": variant.id, "quantity": 2})
    from orders.models import Address

    address = app.extensions["sqlalchemy"].session.scalar(sa.select(Address))
    key = _key(client.get("/checkout").get_data(as_text=True))
    placed = client.post("/checkout", data={f"fulfilment-{variant.product.shop_id}": "delivery",
                                            "address_id": address.id, "idempotency_key": key,
                                            "note": f"到了打 {PHONE}"})
    assert placed.status_code == 302, placed.get_data(as_text=True)[:300]
    project = make_project()
    sent = client.post(f"/invest/projects/{project.id}/inquiries", data={
        "name": "林先生", "company": "红味食品", "phone": INQUIRY_PHONE, "email": INQUIRY_EMAIL,
        "message": f"请回电 {INQUIRY_PHONE} 或写信到 {INQUIRY_EMAIL}"})
    assert sent.status_code == 302
    client.get(f"/search?q={EMAIL}&phone={PHONE}")
    client.get(f"/shops/{EMAIL}")


def test_no_personal_field_in_any_log(app, client, db, caplog, capsys, make_variant, make_project, county,
                                      smtp_inbox):
    @app.get("/_test/boom")
    def _boom():  # an unhandled error whose message carries form data: a phone and an e-mail
        raise ValueError(f"bad contact {PHONE} / {EMAIL}")

    caplog.set_level(logging.DEBUG)
    _journey(app, client, make_variant, make_project, county)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_test/boom").status_code == 500
    logging.getLogger("somewhere.else").warning("careless line about %s and %s", EMAIL, PHONE)

    assert EMAIL in smtp_inbox.recipients  # mail went out (and its delivery was logged)
    records = caplog.records
    assert any(r.name == "marketplace.mail" and "l***@example.com" in r.getMessage() for r in records)
    careless = [r.getMessage() for r in records if r.name == "somewhere.else"]
    assert careless == ["careless line about l***@example.com and 139****5678"]  # the safety net
    fmt = JsonFormatter()
    captured = "\n".join([caplog.text, *(r.getMessage() for r in records), *(fmt.format(r) for r in records)])
    stderr = capsys.readouterr().err
    assert '"logger": "marketplace.access"' in stderr  # the JSON handler did write
    for text in (captured, stderr):
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), secret
    for line in stderr.splitlines():
        if line.startswith("{"):
            json.loads(line)
