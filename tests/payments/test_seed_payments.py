"""The demo's payments: every method in several states, from the catalogue's real orders (the demo
seeded once per test process, tests/demo_app.py; its ledger is checked in test_demo_data.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from payments.models import Payment, PaymentMethod, PaymentStatus


@pytest.mark.slow
def test_demo_has_payments_of_every_method_in_several_states(demo_app):  # seeded once (tests/demo_app.py)
    with demo_app.app_context():
        _payments_of_every_method_in_several_states()
        db.session.remove()


def _payments_of_every_method_in_several_states():
    states = {(m, s) for m, s in db.session.execute(sa.select(Payment.method, Payment.status))}
    for method in PaymentMethod:
        if method != PaymentMethod.STRIPE:
            assert len({s for m, s in states if m == method}) >= 2, method
    assert (PaymentMethod.BANK_TRANSFER, PaymentStatus.PROCESSING) in states
    assert db.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.slip_key.is_not(None))) >= 2
    from orders.terms_models import LineWeighing

    weighings = db.session.execute(sa.select(LineWeighing.refunded_cents, LineWeighing.charged_cents,
                                             LineWeighing.charge_settled_at)).all()
    assert any(r for r, _c, _s in weighings) and any(c and s for _r, c, s in weighings)  # 多退 and 少补
    # a second run changes nothing: tests/marketplace/test_seed.py::test_seed_demo_twice_changes_nothing
