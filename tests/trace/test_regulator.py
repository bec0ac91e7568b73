"""The food-safety regulator: read-only pages over shops, licences, batches and recalls with search
and CSV export, each look in the audit log; every edit route refuses him (403); the power to recall."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from marketplace.extensions import db


@pytest.fixture
def regulator(make_user):
    return make_user(roles=("food_safety_regulator",), name="市场监管局 钱科长")


@pytest.fixture
def batch(make_shop, traced_variant, record):
    shop = make_shop(name="=宁陵酥梨合作社")  # a name a spreadsheet would run
    return record(traced_variant(shop), 80)


@pytest.fixture
def make_licence_row():
    """A verified seed licence of a shop (the regulator reads it)."""
    from licences.models import LicenceType, ScanKind, ShopLicence

    def make(shop):
        row = ShopLicence(shop_id=shop.id, licence_type=LicenceType.SEED, number="D（豫）农种许字0009", holder=shop.name,
                          issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2030, 1, 1), status="verified",
                          scan_key="private/shop-licences/none.pdf", scan_kind=ScanKind.PDF)
        db.session.add(row)
        db.session.commit()
        return row

    return make


def _audits(user_id):
    from marketplace.admin.models import AuditEntry

    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == user_id,
                                                              AuditEntry.action == "regulator.view")))


def test_the_regulator_reads_searches_and_exports_and_each_look_is_audited(client, login, regulator, batch,
                                                                         make_licence_row):
    licence = make_licence_row(batch.shop)
    login(regulator)
    assert client.get("/regulator").status_code == 200
    page = client.get("/regulator/shops", query_string={"q": "酥梨"}).get_data(as_text=True)
    assert "=宁陵酥梨合作社" in page
    assert "宁陵酥梨合作社" not in client.get("/regulator/shops", query_string={"q": "卷尺"}).get_data(as_text=True)
    assert batch.code in client.get("/regulator/batches", query_string={"q": batch.code[:6]}).get_data(as_text=True)
    assert licence.number in client.get("/regulator/licences", query_string={"status": "verified"}).get_data(as_text=True)
    shop_page = client.get(f"/regulator/shops/{batch.shop_id}").get_data(as_text=True)
    assert licence.number in shop_page and batch.code in shop_page
    detail = client.get(f"/regulator/batches/{batch.id}").get_data(as_text=True)
    assert "recall-batch" in detail
    assert client.get("/regulator/recalls").status_code == 200
    csv = client.get("/regulator/shops", query_string={"format": "csv", "q": "酥梨"})
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "'=宁陵酥梨合作社" in csv.get_data(as_text=True)  # neutralised
    assert batch.code in client.get("/regulator/batches", query_string={"format": "csv"}).get_data(as_text=True)
    assert licence.number in client.get("/regulator/licences", query_string={"format": "csv"}).get_data(as_text=True)
    assert client.get("/regulator/recalls", query_string={"format": "csv"}).status_code == 200
    audits = _audits(regulator.id)
    assert len(audits) == 12
    assert {(a.object_type, a.object_id) for a in audits} >= {("shop", str(batch.shop_id)), ("batch", str(batch.id))}
    assert any(a.note and "q=酥梨" in a.note for a in audits)
    assert client.get("/regulator/batches/999999").status_code == 404
    assert client.get("/regulator/shops/999999").status_code == 404


@pytest.mark.parametrize("method,path", [
    ("post", "/merchant/products/new"), ("post", "/merchant/trace/new"), ("post", "/merchant/licences"),
    ("post", "/admin/shops/{shop}/approve"), ("post", "/admin/licences/{licence}/verify"),
    ("post", "/admin/licences/categories"), ("post", "/admin/products/{product}/hide"),
    ("get", "/merchant/trace"), ("get", "/admin/licences"),
])
def test_the_regulator_cannot_edit(client, login, regulator, batch, make_licence_row, method, path):
    licence = make_licence_row(batch.shop)
    login(regulator)
    url = path.format(shop=batch.shop_id, licence=licence.id, product=batch.variant.product_id)
    response = getattr(client, method)(url, data={"reason": "x", "file": (io.BytesIO(b"x"), "x.png")})
    assert response.status_code == 403, url


def test_other_roles_cannot_open_the_regulators_pages(client, login, make_user, batch):
    assert client.get("/regulator").status_code in (302, 401)
    login(make_user())
    for path in ("/regulator", "/regulator/shops", f"/regulator/batches/{batch.id}", "/regulator/recalls"):
        assert client.get(path).status_code == 403
    login(batch.shop.members[0].user)
    assert client.get("/regulator/licences").status_code == 403


def test_the_regulator_recalls_from_the_batch_page(client, login, regulator, batch):
    from trace.models import BatchStatus
    from trace.recall_models import Recall

    login(regulator)
    assert client.get(f"/trace/batches/{batch.id}/recall").status_code == 200
    response = client.post(f"/trace/batches/{batch.id}/recall", data={"reason": "抽检不合格"})
    assert response.status_code in (302, 303)
    recall = db.session.scalar(sa.select(Recall))
    assert recall.by_regulator and recall.initiated_by_id == regulator.id
    db.session.expire_all()
    assert batch.status == BatchStatus.RECALLED
    assert "recall-report" in client.get(f"/regulator/batches/{batch.id}").get_data(as_text=True)
    assert "抽检不合格" in client.get("/regulator/recalls").get_data(as_text=True)


@pytest.fixture
def ningling(regions):
    from marketplace.regions.models import Region, RegionLevel

    return db.session.scalar(sa.select(Region).where(Region.name == "宁陵县", Region.level == RegionLevel.COUNTY,
                                                     Region.code.like("4114%")))


@pytest.fixture
def two_counties(ningling, make_shop, traced_variant, record, make_licence_row):
    """A cooperative in a township of 宁陵县 and one in 柘城县, each with a batch and a licence."""
    from marketplace.regions.models import Region

    township = db.session.scalar(sa.select(Region).where(Region.parent_id == ningling.id).order_by(Region.code))
    inside = make_shop(name="宁陵酥梨合作社", region=township, licence_number="93411423MA0000001A")
    outside = make_shop(name="柘城辣椒合作社", licence_number="93411424MA0000002B")
    return {"inside": inside, "outside": outside,
            "b_in": record(traced_variant(inside), 50), "b_out": record(traced_variant(outside, title="三樱椒"), 30),
            "lic_in": make_licence_row(inside), "lic_out": make_licence_row(outside)}


def _county_regulator(make_user, county):
    from marketplace.accounts import services as accounts
    from marketplace.accounts.models import Role

    user = make_user(name="宁陵县市场监管局 孙科员")
    accounts.grant_role(user, Role.FOOD_SAFETY_REGULATOR, scope=county)
    db.session.commit()
    return user


def test_a_county_regulator_sees_and_recalls_only_in_his_county(client, login, make_user, ningling, two_counties):
    from trace.errors import TraceError
    from trace.models import BatchStatus
    from trace.recalls import may_recall, recall_batch

    t = two_counties
    b_in, b_out = t["b_in"], t["b_out"]
    regulator = _county_regulator(make_user, ningling)
    login(regulator)
    home = client.get("/regulator").get_data(as_text=True)
    assert "regulator-scope" in home and "宁陵县" in home
    shops = client.get("/regulator/shops").get_data(as_text=True)
    assert "宁陵酥梨合作社" in shops and "柘城辣椒合作社" not in shops
    batches = client.get("/regulator/batches").get_data(as_text=True)
    assert b_in.code in batches and b_out.code not in batches
    found = client.get("/regulator/batches", query_string={"q": b_out.code}).get_data(as_text=True)
    assert f">{b_out.code}</a>" not in found  # the search finds nothing outside (the form echoes the words)
    for path in ("/regulator/shops", "/regulator/batches", "/regulator/licences", "/regulator/recalls"):
        text = client.get(path, query_string={"format": "csv"}).get_data(as_text=True)
        assert "柘城辣椒合作社" not in text and b_out.code not in text, path
    licences = client.get("/regulator/licences", query_string={"format": "csv"}).get_data(as_text=True)
    assert "宁陵酥梨合作社" in licences
    assert client.get(f"/regulator/shops/{t['inside'].id}").status_code == 200
    assert client.get(f"/regulator/batches/{b_in.id}").status_code == 200
    assert client.get(f"/regulator/shops/{t['outside'].id}").status_code == 404
    assert client.get(f"/regulator/batches/{b_out.id}").status_code == 404
    assert client.get(f"/licences/{t['lic_out'].id}/scan").status_code == 404
    # no recall outside his county: the page and the service refuse as for an unknown batch
    assert not may_recall(regulator, b_out) and may_recall(regulator, b_in)
    assert client.get(f"/trace/batches/{b_out.id}/recall").status_code == 404
    assert client.post(f"/trace/batches/{b_out.id}/recall", data={"reason": "抽检不合格"}).status_code == 404
    with pytest.raises(TraceError) as refused:
        recall_batch(b_out, regulator, "抽检不合格")
    assert refused.value.status == 404
    db.session.expire_all()
    assert b_out.status == BatchStatus.ACTIVE
    response = client.post(f"/trace/batches/{b_in.id}/recall", data={"reason": "抽检不合格"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    from trace.recall_models import Recall

    assert b_in.status == BatchStatus.RECALLED
    assert db.session.scalar(sa.select(Recall.by_regulator).where(Recall.batch_id == b_in.id)) is True
    recalls = client.get("/regulator/recalls").get_data(as_text=True)
    assert "抽检不合格" in recalls


def test_a_platform_wide_regulator_sees_every_county(client, login, regulator, two_counties):
    from trace.recalls import may_recall

    t = two_counties
    login(regulator)
    shops = client.get("/regulator/shops").get_data(as_text=True)
    assert "宁陵酥梨合作社" in shops and "柘城辣椒合作社" in shops
    assert "全平台" in client.get("/regulator").get_data(as_text=True)
    for batch in (t["b_in"], t["b_out"]):
        assert client.get(f"/regulator/batches/{batch.id}").status_code == 200 and may_recall(regulator, batch)


def test_the_admin_grants_the_regulator_role_for_a_county(client, login, make_user, ningling):
    from marketplace.accounts.models import Role
    from marketplace.admin.models import AuditEntry
    from marketplace.regions.models import Region, RegionLevel

    admin, user = make_user(roles=("admin",)), make_user()
    login(admin)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "region-food_safety_regulator" in page and "宁陵县" in page
    url = f"/admin/users/{user.id}/roles"
    client.post(url, data={"op": "grant", "role": "food_safety_regulator", "region": ningling.id})
    db.session.expire_all()
    assert user.grant(Role.FOOD_SAFETY_REGULATOR, ningling) is not None
    assert user.grant(Role.FOOD_SAFETY_REGULATOR) is None  # not platform-wide
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.role_grant"))
    assert entry.note == f"food_safety_regulator@{ningling.code}"
    assert entry.after["scoped"] == [f"food_safety_regulator@region:{ningling.id}"]
    assert "宁陵县" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    # refused: a village, an unknown region, a region for a role that takes none; nothing changes
    village = db.session.scalar(sa.select(Region).where(Region.level == RegionLevel.VILLAGE).limit(1))
    for data in ({"role": "food_safety_regulator", "region": village.id}, {"role": "food_safety_regulator",
                 "region": "999999999"}, {"role": "officer", "region": ningling.id}):
        response = client.post(url, data={"op": "grant", **data}, follow_redirects=True)
        assert "请选择一个市、县区或乡镇作为范围" in response.get_data(as_text=True) or \
            "这个角色只能授予全平台" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(user.roles) == 1
    # platform-wide too, then the county grant revoked
    client.post(url, data={"op": "grant", "role": "food_safety_regulator"})
    client.post(url, data={"op": "revoke", "role": "food_safety_regulator", "region": ningling.id})
    db.session.expire_all()
    assert [(g.role, g.scope_type) for g in user.roles] == [(Role.FOOD_SAFETY_REGULATOR, None)]
