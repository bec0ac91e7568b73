"""Requests: posting (fields checked, nothing saved when refused), limits, matching shops told,
revisions on edit (quoting shops told), the deadline job, cancelling."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage
from sourcing import requests as service
from sourcing.errors import SourcingError
from sourcing.models import (
    RequestStatus,
    SourcingRequest,
    SourcingRequestChange,
    SourcingRequestRevision,
    Visibility,
)
from tests.sourcing.conftest import county, form


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SourcingRequest))


def _mails_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_addr == user.email,
                                                                 OutboxMessage.template == "sourcing")))


def test_a_posted_request_is_open_with_its_history_and_matching_shops_are_told(post, veg_shop, make_user):
    near, _v = veg_shop("睢阳区")
    far, _v2 = veg_shop("柘城县")  # its default zone is its own county: not 睢阳区
    buyer = make_user()
    req = post(buyer)
    assert req.status == RequestStatus.OPEN and req.unit == "吨" and req.target_price_cents == 1_200_000
    assert req.region_id == county("睢阳区").id and req.opened_at is not None
    assert [(c.from_status, c.to_status) for c in db.session.scalars(sa.select(SourcingRequestChange))] == [
        (None, RequestStatus.DRAFT), (RequestStatus.DRAFT, RequestStatus.OPEN)]
    assert len(_mails_to(near.members[0].user)) == 1
    assert _mails_to(far.members[0].user) == []


def test_a_shop_zone_covering_the_city_matches_a_county_request(post, veg_shop, make_shop):
    from orders.models import ShopDeliveryRule, ShopDeliveryZone
    from sourcing.matching import matching_shops, shop_matches

    shop, _v = veg_shop("柘城县")
    city = county("睢阳区").parent
    db.session.add(ShopDeliveryRule(shop_id=shop.id, zones=[ShopDeliveryZone(region_id=city.id)]))
    db.session.commit()
    req = post()
    assert shop_matches(req, shop) and shop in matching_shops(req)


def test_a_draft_tells_no_one_until_published(post, veg_shop):
    shop, _v = veg_shop()
    req = post(publish=False)
    assert req.status == RequestStatus.DRAFT and _mails_to(shop.members[0].user) == []
    service.publish(req, req.buyer)
    assert req.status == RequestStatus.OPEN and len(_mails_to(shop.members[0].user)) == 1


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", "-5"), ("quantity", "0"), ("quantity", "99999999999999"), ("quantity", "1.5"),
    ("target_price", "-1"), ("target_price", "1e999"), ("target_price", "99999999999999999"),
    ("max_quotes", "0"), ("max_quotes", "1000"), ("unit", "bogus"), ("category", "999999"), ("category", ""),
    ("region", "abc"), ("region", "99999999999999999999"), ("title", ""), ("title", "朝天椒\x07"), ("spec", "干椒\x1b[31m"), ("title", "x" * 121),
    ("quote_deadline", "2001-01-01"), ("quote_deadline", "tomorrow"), ("visibility", "everyone"),
    ("deliver_until", "2001-01-01"), ("invite", "no-such-shop"),
])
def test_bad_fields_are_refused_and_nothing_is_saved(post, field, value):
    with pytest.raises(SourcingError) as caught:
        post(**{field: value})
    assert caught.value.field in (field, "invite" if field == "invite" else field)
    assert _count() == 0


def test_invited_only_needs_an_invited_shop_and_tells_only_it(post, veg_shop, make_shop):
    matching, _v = veg_shop()
    invited = make_shop(county="柘城县")
    with pytest.raises(SourcingError):
        post(visibility="invited")
    req = post(visibility="invited", invite=invited.slug)
    assert req.visibility == Visibility.INVITED and [i.shop_id for i in req.invites] == [invited.id]
    assert len(_mails_to(invited.members[0].user)) == 1 and _mails_to(matching.members[0].user) == []


def test_posting_limits_open_at_once_and_per_day(app, post, make_user):
    buyer = make_user()
    app.config.update(SOURCING_MAX_OPEN_PER_BUYER=2, SOURCING_MAX_PER_DAY=3)
    first, second = post(buyer), post(buyer)
    with pytest.raises(SourcingError) as caught:
        post(buyer)  # two open at once
    assert caught.value.status == 429
    service.cancel(first, buyer)
    post(buyer)  # a slot freed: the third of the day
    service.cancel(second, buyer)
    with pytest.raises(SourcingError) as caught:
        post(buyer)  # a slot is free, but three were posted today
    assert caught.value.status == 429 and "每天" in str(caught.value)


def test_editing_an_open_request_keeps_the_old_revision_and_tells_the_quoting_shops(post, veg_shop, send_quote):
    quoting, _v = veg_shop()
    silent, _v2 = veg_shop()
    req = post()
    send_quote(req, quoting)
    before = len(_mails_to(quoting.members[0].user)) + len(_mails_to(silent.members[0].user))
    service.edit_request(req, req.buyer, form(quantity="8"))
    assert req.revision == 2 and req.quantity == 8
    old = db.session.scalar(sa.select(SourcingRequestRevision).where(SourcingRequestRevision.request_id == req.id))
    assert old.number == 1 and old.snapshot["quantity"] == 5
    assert len(_mails_to(quoting.members[0].user)) + len(_mails_to(silent.members[0].user)) == before + 1
    assert "已修改" in _mails_to(quoting.members[0].user)[-1].subject


def test_the_deadline_job_expires_open_requests_past_their_deadline(app, post):
    from marketplace.jobs import get_job

    req = post()
    assert get_job("sourcing.expire_due").every is not None
    assert service.expire_due() == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    assert service.expire_due(now=later) == 1
    db.session.refresh(req)
    assert req.status == RequestStatus.EXPIRED


def test_a_cancelled_request_cannot_be_edited_or_cancelled_again(post):
    from marketplace.states import InvalidTransition

    req = post()
    service.cancel(req, req.buyer)
    with pytest.raises(SourcingError):
        service.edit_request(req, req.buyer, form())
    with pytest.raises(InvalidTransition):
        service.cancel(req, req.buyer)
