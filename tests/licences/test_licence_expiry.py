"""The daily licence job: a lapsed licence takes the listings that needed it off sale once, and the
shop is warned once 30 days before expiry (in-app, e-mail and SMS)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa


def _notices(db, key):
    from marketplace.notifications.models import Notification

    return list(db.session.scalars(sa.select(Notification).where(Notification.type_key == key)))


def _outbox(db, template_part):
    from marketplace.mail.models import OutboxMessage

    return [m for m in db.session.scalars(sa.select(OutboxMessage)) if template_part in (m.template or "")]


def test_an_expired_licence_hides_its_listings_once(app, db, seeds, seed_shop, make_licence, make_product, make_shop):
    from catalog.models import ProductStatus, ProductStatusChange
    from licences.expiry import lapse_expired
    from licences.models import LicenceStatus, LicenceStatusChange
    from marketplace.jobs import run_job

    licence = make_licence(seed_shop, expires_in=3)
    seed = make_product(seed_shop, category=seeds, title="辣椒种子")
    fruit = make_product(seed_shop, category="农产品/水果", title="酥梨")
    other_shop = make_shop()
    make_licence(other_shop, expires_in=3)
    others = make_product(other_shop, category=seeds, title="别家的种子")
    assert seed.status == ProductStatus.PUBLISHED

    # the other shop renewed: a second verified licence runs on
    make_licence(other_shop, expires_in=400)
    today = licence.expires_on + dt.timedelta(days=1)
    assert lapse_expired(today) == 2
    assert lapse_expired(today) == 0  # a second run finds nothing to do
    db.session.expire_all()
    assert licence.status == LicenceStatus.EXPIRED
    assert seed.status == ProductStatus.HIDDEN and fruit.status == ProductStatus.PUBLISHED
    assert others.status == ProductStatus.PUBLISHED  # its shop still holds the type
    notes = list(db.session.scalars(sa.select(ProductStatusChange.note).where(
        ProductStatusChange.product_id == seed.id, ProductStatusChange.to_status == ProductStatus.HIDDEN)))
    assert len(notes) == 1 and licence.number in notes[0] and "已过期" in notes[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LicenceStatusChange)
                             .where(LicenceStatusChange.to_status == LicenceStatus.EXPIRED)) == 2
    lapsed = _notices(db, "licences.lapsed")
    assert [n.user_id for n in lapsed if n.user_id == seed_shop.members[0].user_id] == [seed_shop.members[0].user_id]
    assert '"count": "1"' in next(n.params for n in lapsed if n.user_id == seed_shop.members[0].user_id)
    # the job by its registered name changes nothing more
    run_job("licences.check_expiry")
    assert len(_notices(db, "licences.lapsed")) == 2
    # the shop cannot put it back on sale until a new licence is verified
    from catalog.services import CatalogError, publish

    try:
        publish(seed, seed_shop.members[0].user)
        raise AssertionError("published without a licence")
    except CatalogError as exc:
        assert "种子生产经营许可证" in str(exc)


def test_the_30_day_warning_goes_out_once_on_every_channel(app, db, seeds, make_shop, make_user, make_licence):
    """In the centre always; by e-mail to an owner with an address, by SMS to a phone-only owner
    (the notification centre's rule for SMS)."""
    from licences.expiry import warn_expiring
    from licences.models import LicenceType
    from licences.services import local_today

    mailed = make_user(email="nongzi@example.com")
    texted = make_user(mobile="+8613900000077")
    soon = make_licence(make_shop(owner=mailed), expires_in=20)
    make_licence(make_shop(owner=texted), expires_in=30)
    make_licence(soon.shop, kind=LicenceType.PESTICIDE, expires_in=31, number="later")  # not yet
    assert warn_expiring() == 2
    assert warn_expiring() == 0
    assert warn_expiring(local_today()) == 0
    notices = _notices(db, "licences.expiring")
    assert sorted(n.user_id for n in notices) == sorted([mailed.id, texted.id])
    assert soon.number in next(n.params for n in notices if n.user_id == mailed.id)
    assert [m.to_addr for m in _outbox(db, "licence_expiring")] == ["+8613900000077"]
    assert [m.to_addr for m in _outbox(db, "notification")] == ["nongzi@example.com"]
    db.session.expire_all()
    assert soon.expiry_warned_at is not None


def test_a_renewed_licence_is_not_warned_about(app, db, seeds, seed_shop, make_licence):
    from licences.expiry import warn_expiring

    make_licence(seed_shop, expires_in=10)
    make_licence(seed_shop, expires_in=700, number="renewed")
    warn_expiring()
    assert _notices(db, "licences.expiring") == []


def test_the_notice_reads_in_the_owners_language(app, db, client, login, make_user, make_shop, make_licence):
    from licences.expiry import warn_expiring

    owner = make_user(locale="en")
    shop = make_shop(owner=owner)
    make_licence(shop, expires_in=5)
    warn_expiring()
    login(owner)
    client.post("/language", data={"locale": "en"})
    page = client.get("/notifications").get_data(as_text=True)
    assert "Your Seed production and trading licence (证123) expires on" in page
