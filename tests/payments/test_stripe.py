"""Stripe PaymentIntents against localstripe with the real SDK: one intent per group, card tokens
confirmed on the server, 3-D Secure, declines, tampering, double submit, and the CSP of the card page."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from orders.models import OrderStatus
from payments import ledger, stripe_api
from payments.models import Account, LedgerEntry, Payment, PaymentStatus

S = OrderStatus


def _card_page(client, group):
    r = client.get(f"/payments/group/{group.id}/card")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r


def _confirm(client, group, payment, token):
    return client.post(f"/payments/group/{group.id}/card/confirm", json={"payment_id": payment.id, "token": token})


def test_card_page_loads_stripe_js_with_a_csp_for_that_page_only(make_group, login, client, localstripe):
    group = make_group()
    login(group.buyer)
    r = _card_page(client, group)
    html = r.get_data(as_text=True)
    csp = r.headers["Content-Security-Policy"]
    assert f'<script src="{localstripe}/js.stripe.com/v3/"></script>' in html
    assert f"script-src 'self' {localstripe};" in csp and f"connect-src 'self' {localstripe}" in csp
    other = client.get(f"/payments/group/{group.id}").headers["Content-Security-Policy"]
    assert localstripe not in other and "script-src 'self';" in other


def test_one_intent_per_group_whatever_the_retries(make_group, login, client):
    group = make_group()
    login(group.buyer)
    for _ in range(3):
        _card_page(client, group)
    payments = list(db.session.scalars(sa.select(Payment)))
    assert len(payments) == 1
    payment = payments[0]
    assert payment.amount_cents == group.total_cents == 2 * 1000 + 3 * 2500
    intent = stripe_api.client().v1.payment_intents.retrieve(payment.provider_ref)
    assert intent.amount == payment.amount_cents and intent.metadata.order_group == str(group.id)
    assert payment.idempotency_key == f"pi-g{group.id}-a{group.total_cents}"


def test_card_payment_marks_every_order_paid_and_books_the_ledger(make_group, login, client, card_token):
    group = make_group()
    login(group.buyer)
    _card_page(client, group)
    payment = db.session.scalar(sa.select(Payment))
    r = _confirm(client, group, payment, card_token())
    assert r.status_code == 200 and r.json["state"] == "succeeded", r.json
    db.session.expire_all()
    assert [o.status for o in group.orders] == [S.PAID, S.PAID]
    assert payment.status == PaymentStatus.SUCCEEDED
    gateway = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)).where(LedgerEntry.account == Account.GATEWAY))
    assert gateway == group.total_cents
    for order in group.orders:
        assert ledger.payable_for_order(order.id) == order.total_cents - ledger.commission_for(order)
    page = client.get(r.json["redirect"]).get_data(as_text=True)
    assert 'data-state="paid"' in page
    # A double submit after success charges nothing more and books nothing more.
    again = _confirm(client, group, payment, card_token())
    assert again.status_code in (200, 409) and again.json.get("state", "succeeded") == "succeeded"
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.kind == "payment")) == 6
    assert client.get(f"/payments/group/{group.id}/card").status_code == 302  # nothing due any more


def test_three_d_secure_then_return_page_reads_stripe(make_group, login, client, card_token, authenticate):
    group = make_group()
    login(group.buyer)
    _card_page(client, group)
    payment = db.session.scalar(sa.select(Payment))
    r = _confirm(client, group, payment, card_token("3ds"))
    assert r.json["state"] == "requires_action" and r.json["client_secret"].startswith(payment.provider_ref)
    # Before authentication the return page must not believe anything.
    assert 'data-state="unpaid"' in client.get(r.json["redirect"]).get_data(as_text=True)
    assert authenticate(payment.provider_ref, r.json["client_secret"])["status"] == "succeeded"
    page = client.get(r.json["redirect"]).get_data(as_text=True)
    assert 'data-state="paid"' in page
    db.session.expire_all()
    assert all(o.status == S.PAID for o in group.orders)


def test_declined_card_leaves_orders_unpaid_and_a_retry_succeeds(make_group, login, client, card_token):
    group = make_group()
    login(group.buyer)
    _card_page(client, group)
    payment = db.session.scalar(sa.select(Payment))
    r = _confirm(client, group, payment, card_token("declined"))
    assert r.status_code == 402 and r.json["code"] == "card_declined"
    db.session.expire_all()
    assert payment.status == PaymentStatus.FAILED and all(o.status == S.PENDING_PAYMENT for o in group.orders)
    assert not db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)))
    r = _confirm(client, group, payment, card_token("visa"))
    assert r.json["state"] == "succeeded"
    db.session.expire_all()
    assert all(o.status == S.PAID for o in group.orders)
    assert [p.status for p in db.session.scalars(sa.select(Payment).order_by(Payment.id))] == [
        PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED]  # the declined intent cancelled, a fresh one paid


def test_tampered_intent_amount_never_marks_paid(make_group, login, client, card_token):
    group = make_group()
    login(group.buyer)
    _card_page(client, group)
    payment = db.session.scalar(sa.select(Payment))
    # Someone with the client secret or the dashboard lowers the amount before paying.
    stripe_api.client().v1.payment_intents.update(payment.provider_ref, params={"amount": 100})
    r = _confirm(client, group, payment, card_token())
    assert r.json["state"] == "mismatch"
    db.session.expire_all()
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders)
    assert payment.status != PaymentStatus.SUCCEEDED and payment.attention
    assert 'data-state="unpaid"' in client.get(f"/payments/group/{group.id}/return").get_data(as_text=True)


def test_bad_confirm_requests(make_group, make_user, login, client, card_token):
    group = make_group()
    login(group.buyer)
    _card_page(client, group)
    payment = db.session.scalar(sa.select(Payment))
    assert _confirm(client, group, payment, "not-a-token").status_code == 400
    assert client.post(f"/payments/group/{group.id}/card/confirm", json={"payment_id": 999, "token": "tok_x"}).status_code == 404
    other = make_group()
    assert client.post(f"/payments/group/{other.id}/card/confirm",
                       json={"payment_id": payment.id, "token": card_token()}).status_code == 404
    db.session.expire_all()
    assert all(o.status == S.PENDING_PAYMENT for o in group.orders)


def test_a_cancelled_order_gives_a_new_intent_for_the_new_amount(make_group, login, client):
    group = make_group()
    login(group.buyer)
    _card_page(client, group)
    first = db.session.scalar(sa.select(Payment))
    assert client.post(f"/orders/{group.orders[1].id}/cancel").status_code == 302
    _card_page(client, group)
    db.session.expire_all()
    payments = list(db.session.scalars(sa.select(Payment).order_by(Payment.id)))
    assert len(payments) == 2 and payments[1].amount_cents == group.orders[0].total_cents
    assert payments[0].id == first.id and payments[0].status == PaymentStatus.CANCELED
    assert stripe_api.client().v1.payment_intents.retrieve(first.provider_ref).status == "canceled"


def test_alipay_and_wechat_pay_buttons_when_configured(app, make_group, login, client):
    app.config["STRIPE_PAYMENT_METHODS"] = ["card", "alipay", "wechat_pay"]
    group = make_group()
    login(group.buyer)
    html = _card_page(client, group).get_data(as_text=True)
    payment = db.session.scalar(sa.select(Payment))
    assert f'data-client-secret="{payment.provider_ref}_secret_' in html
    assert 'data-method="alipay"' in html and 'data-method="wechat_pay"' in html and 'id="card-element"' in html
    # (localstripe does not keep payment_method_types; the create call sends the configured list)
    app.config["STRIPE_PAYMENT_METHODS"] = ["card"]
    assert "data-client-secret" not in _card_page(client, group).get_data(as_text=True)
