"""The payment, refund and transfer machines: refused moves change nothing, every move leaves a
history row, and every status has words for the user."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.states import InvalidTransition
from orders import services as orders
from payments import refunds, services
from payments.models import (
    Payment,
    PaymentMethod,
    PaymentStatus,
    PaymentStatusChange,
    RefundStatus,
    RefundStatusChange,
    Transfer,
    TransferStatus,
    TransferStatusChange,
)
from payments.status import PAYMENT_MACHINE, REFUND_MACHINE, TRANSFER_MACHINE, label


def _history(model, key, row_id):
    return [(c.from_status, c.to_status) for c in db.session.scalars(
        sa.select(model).where(getattr(model, key) == row_id).order_by(model.id))]


def test_card_payment_records_its_move_to_succeeded(paid_group):
    _group, payment = paid_group
    assert payment.status == PaymentStatus.SUCCEEDED and payment.succeeded_at is not None
    history = _history(PaymentStatusChange, "payment_id", payment.id)
    assert history == [(PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)]


@pytest.mark.parametrize("target", [PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.PENDING,
                                    PaymentStatus.CANCELED])
def test_a_succeeded_payment_cannot_move_again(paid_group, target):
    _group, payment = paid_group
    with pytest.raises(InvalidTransition) as refused:
        PAYMENT_MACHINE.move(payment, target)
    assert refused.value.status == 409
    db.session.rollback()
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert len(_history(PaymentStatusChange, "payment_id", payment.id)) == 1


def test_a_late_failure_does_not_undo_a_payment(paid_group):
    _group, payment = paid_group
    intent = services.retrieve_intent(payment)
    intent.status = "requires_payment_method"  # what a payment_failed event arriving late would report
    services.settle(payment, intent, error="card declined")
    db.session.expire_all()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.last_error == ""
    assert len(_history(PaymentStatusChange, "payment_id", payment.id)) == 1


def test_a_refund_moves_once_and_records_it(paid_group):
    group, _payment = paid_group
    refund = refunds.refund_order(group.orders[0], None, amount_cents=500, reason="部分退款")
    db.session.expire_all()
    assert refund.status == RefundStatus.SUCCEEDED and refund.completed_at is not None
    changes = list(db.session.scalars(sa.select(RefundStatusChange).where(RefundStatusChange.refund_id == refund.id)))
    assert [(c.from_status, c.to_status) for c in changes] == [(RefundStatus.PENDING, RefundStatus.SUCCEEDED)]
    assert changes[0].note == refund.provider_ref
    for target in (RefundStatus.PENDING, RefundStatus.FAILED, RefundStatus.SUCCEEDED):
        with pytest.raises(InvalidTransition):
            REFUND_MACHINE.move(refund, target)
    db.session.rollback()
    db.session.expire_all()
    assert refund.status == RefundStatus.SUCCEEDED


def test_a_failed_transfer_may_be_retried_but_a_paid_one_is_final(paid_group):
    group, _payment = paid_group
    order = group.orders[0]
    transfer = Transfer(order_id=order.id, shop_id=order.shop_id, amount_cents=0)
    db.session.add(transfer)
    db.session.flush()
    TRANSFER_MACHINE.move(transfer, TransferStatus.FAILED, note="insufficient funds")
    TRANSFER_MACHINE.move(transfer, TransferStatus.FAILED, note="insufficient funds again")
    TRANSFER_MACHINE.move(transfer, TransferStatus.PAID, provider_ref="tr_test_status")
    db.session.commit()
    assert transfer.paid_at is not None
    for target in (TransferStatus.FAILED, TransferStatus.PENDING, TransferStatus.PAID):
        with pytest.raises(InvalidTransition):
            TRANSFER_MACHINE.move(transfer, target)
    db.session.rollback()
    assert _history(TransferStatusChange, "transfer_id", transfer.id) == [
        (TransferStatus.PENDING, TransferStatus.FAILED), (TransferStatus.FAILED, TransferStatus.FAILED),
        (TransferStatus.FAILED, TransferStatus.PAID)]


def test_an_unpayable_transfer_is_not_failed_again_on_every_run(paid_group):
    """No Stripe account: the first run records the failure, later reconcile runs add no history."""
    from payments.payouts import execute_transfer

    group, _payment = paid_group
    order = group.orders[0]
    transfer = Transfer(order_id=order.id, shop_id=order.shop_id, amount_cents=0)
    db.session.add(transfer)
    db.session.commit()
    for _ in range(3):
        execute_transfer(transfer)
    assert transfer.status == TransferStatus.FAILED and transfer.last_error
    assert _history(TransferStatusChange, "transfer_id", transfer.id) == [
        (TransferStatus.PENDING, TransferStatus.FAILED)]


def test_a_stale_row_loses_the_race(paid_group):
    """Two callers read the same failed transfer; the second move finds the status changed under it."""
    group, _payment = paid_group
    order = group.orders[1]
    transfer = Transfer(order_id=order.id, shop_id=order.shop_id, amount_cents=0, status=TransferStatus.FAILED)
    db.session.add(transfer)
    db.session.commit()
    db.session.execute(sa.update(Transfer).where(Transfer.id == transfer.id).values(status=TransferStatus.PAID))
    with pytest.raises(InvalidTransition):
        TRANSFER_MACHINE.move(transfer, TransferStatus.PAID)  # the object still says failed
    assert transfer.status == TransferStatus.PAID
    assert _history(TransferStatusChange, "transfer_id", transfer.id) == []
    db.session.rollback()


@pytest.mark.parametrize("value", [*PaymentStatus, *RefundStatus, *TransferStatus, *PaymentMethod])
def test_every_status_and_method_has_words(app, value):
    with app.test_request_context():
        text = label(value)
    assert text and text != value.value


def test_an_offline_payment_confirmed_by_the_merchant_records_who(make_group, app):
    app.config.update(STRIPE_SECRET_KEY=None)
    group = make_group()
    order = group.orders[0]
    owner = order.shop.members[0].user
    orders.mark_paid(order, owner, "现金收讫")
    payment = db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id))
    assert payment.status == PaymentStatus.SUCCEEDED
    change = db.session.scalar(sa.select(PaymentStatusChange).where(PaymentStatusChange.payment_id == payment.id))
    assert (change.from_status, change.to_status, change.actor_id) == (
        PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, owner.id)


def test_disputes_are_shown_in_words_never_stripes_raw_values(app):
    from flask_babel import force_locale

    from payments.status import dispute_label

    with app.test_request_context():
        assert dispute_label("status", "needs_response") == "待回应"
        assert dispute_label("reason", "fraudulent") == "疑似盗刷"
        assert dispute_label("status", "needs response") == "其他"  # a status we do not know: no raw text
        with force_locale("en"):
            assert dispute_label("reason", "product_not_received") == "Product not received"
