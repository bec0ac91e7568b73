"""The demo's sourcing step on the whole seeded demo: open requests from its buyers with quotes from
matching shops (one revised), one awarded with its order; a second run changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from sourcing.models import Quote, QuoteRevision, RequestStatus, SourcingRequest

pytestmark = pytest.mark.slow


def test_the_demo_has_requests_quotes_and_one_award(demo_app):  # the seeded demo, once per test process (tests/demo_app.py)
    from sourcing.seed import seed_demo

    with demo_app.app_context():
        statuses = list(db.session.scalars(sa.select(SourcingRequest.status)))
        assert statuses.count(RequestStatus.AWARDED) == 1 and statuses.count(RequestStatus.OPEN) >= 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) >= 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuoteRevision)) >= 1
        awarded = db.session.scalar(sa.select(SourcingRequest).where(SourcingRequest.status == RequestStatus.AWARDED))
        assert awarded.order_id is not None
        assert seed_demo() == "already there"
        page = demo_app.test_client().get("/sourcing").get_data(as_text=True)
        assert "小麦" in page or "复合肥" in page
        db.session.remove()


def test_the_demo_has_supply_posts_a_reservation_and_a_conversation(demo_app):
    from messages.models import Conversation
    from sourcing.supply_models import SupplyPost, SupplyStatus

    with demo_app.app_context():
        posts = list(db.session.scalars(sa.select(SupplyPost)))
        assert len(posts) >= 4 and all(p.status == SupplyStatus.OPEN for p in posts)
        assert {"宁陵金顶谢花酥梨", "柘城三樱椒（干椒）"} <= {p.title for p in posts}
        reserved = db.session.scalar(sa.select(SourcingRequest).where(SourcingRequest.supply_post_id.is_not(None)))
        assert reserved is not None and reserved.visibility.value == "invited"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)
                                 .where(Conversation.subject_kind == "supply")) == 1
        client = demo_app.test_client()
        board = client.get("/sourcing?type=supply").get_data(as_text=True)
        assert "宁陵金顶谢花酥梨" in board
        assert client.get(f"/sourcing/supply/{posts[0].id}").status_code == 200
        db.session.remove()
