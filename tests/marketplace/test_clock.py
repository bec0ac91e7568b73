"""marketplace.db.at_time (the demo seed's clock) and marketplace.mail.services.muted."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.db import at_time, utcnow


def test_at_time_sets_the_clock_for_the_block_only():
    moment = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    before = utcnow()
    with at_time(moment):
        assert utcnow() == moment and utcnow().tzinfo == dt.UTC
        with at_time(moment + dt.timedelta(days=1)):
            assert utcnow() == moment + dt.timedelta(days=1)
        assert utcnow() == moment
    assert utcnow() >= before


def test_rows_written_in_the_block_carry_its_time_even_inside_a_longer_transaction(app, db):
    from marketplace.db import atomic
    from marketplace.mail.models import OutboxMessage

    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with atomic():  # one transaction around the block, as seed-demo runs its steps
        with at_time(moment):
            db.session.add(OutboxMessage(to_addr="a@example.com", subject="s", body_text="b", locale="zh_CN"))
        # the next statement would flush it under the real clock, were it still pending
        db.session.execute(sa.select(1))
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.created_at.replace(tzinfo=dt.UTC) == moment


def test_muted_queues_no_mail_or_sms(app, db, make_user):
    from marketplace.mail.models import OutboxMessage
    from marketplace.mail.notices import notify
    from marketplace.mail.services import is_muted, muted, queue_mail

    user = make_user(email="buyer@example.com")
    farmer = make_user(email=None, mobile="+8615600000001")
    with muted():
        assert is_muted()
        assert queue_mail("buyer@example.com", "password_reset", link="http://x", recipient=user) is None
        notify(farmer, "order_refunded", sms={"order": "1", "amount": "1"})
        db.session.commit()
    assert not is_muted()
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
