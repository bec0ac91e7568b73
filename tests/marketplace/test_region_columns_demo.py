"""The demo's region columns: one for every township and village of the city file, each different,
drawing on its county's produce; the demo village clerk with his village, his column and a photo."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.media import get_storage
from marketplace.regions.column_models import RegionColumn, RegionColumnChange, RegionPhoto
from marketplace.regions.demo_columns import CLERK_EMAIL, CLERK_VILLAGE
from marketplace.regions.models import Region, RegionLevel

SHELL_ONLY = ("--without", "catalog", "--without", "investment", "--without", "prices", "--without", "sourcing")


def _run(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", *SHELL_ONLY])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_every_township_and_village_has_its_own_column_and_the_clerk_his_village(app, db, client, login):
    result = _run(app)
    places = dict(db.session.execute(
        sa.select(Region.level, sa.func.count()).where(Region.code.like("4114%"),
                                                       Region.level.in_([RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]))
        .group_by(Region.level)).all())
    assert places == {RegionLevel.TOWNSHIP: 199, RegionLevel.VILLAGE: 4834}
    texts = list(db.session.scalars(sa.select(RegionColumn.text)))
    assert len(texts) == 199 + 4834 and len(set(texts)) == len(texts)  # one each, no two alike
    assert all(0 < len(t) <= 2000 for t in texts)
    zhecheng = db.session.scalars(sa.select(RegionColumn.specialties).join(Region, Region.id == RegionColumn.region_id)
                                  .where(Region.code.like("411424%"))).all()
    assert zhecheng and all("三樱椒" in s for s in zhecheng)  # the county's 一县一品
    ningling = db.session.scalars(sa.select(RegionColumn.specialties).join(Region, Region.id == RegionColumn.region_id)
                                  .where(Region.code.like("411423%"))).all()
    assert all("酥梨" in s for s in ningling)

    clerk = db.session.scalar(sa.select(User).where(User.email == CLERK_EMAIL))
    village = db.session.scalar(sa.select(Region).where(Region.code == CLERK_VILLAGE))
    assert clerk.has_role(Role.VILLAGE_CLERK, village) and not clerk.has_role(Role.VILLAGE_CLERK, village.parent)
    photo = db.session.scalar(sa.select(RegionPhoto).where(RegionPhoto.region_id == village.id))
    assert photo.created_by_id == clerk.id and get_storage().exists(photo.key) and get_storage().exists(photo.thumb_key)
    assert db.session.scalar(sa.select(RegionColumnChange.actor_id).where(RegionColumnChange.region_id == village.id)) == clerk.id
    assert CLERK_EMAIL in result.output and "village_clerk" in result.output

    before = db.session.scalar(sa.select(sa.func.count()).select_from(RegionColumn))
    _run(app)  # a second seed adds nothing and keeps the clerk's column
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegionColumn)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegionPhoto)) == 1

    page = client.get(f"/regions/{CLERK_VILLAGE}").get_data(as_text=True)
    assert "王庄村在起台镇东边" in page and photo.thumb_key in page
