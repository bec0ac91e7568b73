"""Licences: the upload (scan judged by content, kept private), the platform's review (state machine,
history, audit), and the publish guard in a licensed category."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from tests.licences.conftest import png_bytes


def _form(**overrides):
    from licences.services import local_today

    today = local_today()
    data = {"licence_type": "seed", "number": "C（豫商柘）农种许字（2025）第0001号", "holder": "柘城种业",
            "scope": "辣椒种子经营", "issued_on": (today - dt.timedelta(days=30)).isoformat(),
            "expires_on": (today + dt.timedelta(days=900)).isoformat()}
    data.update(overrides)
    return data


def _upload(client, payload: bytes, name: str = "licence.png", **overrides):
    data = _form(**overrides)
    data["scan"] = (io.BytesIO(payload), name)
    return client.post("/merchant/licences", data=data, content_type="multipart/form-data")


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize("payload,name,message", [
    (b"this is not a licence", "licence.pdf", "不是支持的图片"),
    (b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF", "l.pdf",
     "PDF 文件含有脚本或附件"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "licence.gif", "不是支持的图片"),
    (b"", "empty.png", None),
])
def test_a_scan_that_is_not_an_image_or_a_clean_pdf_is_refused(client, login, seed_shop, db, payload, name, message):
    from licences.models import ShopLicence

    login(seed_shop.members[0].user)
    response = _upload(client, payload, name)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert _count(db, ShopLicence) == 0


def test_bad_fields_are_refused_with_their_messages(client, login, seed_shop, db):
    from licences.models import ShopLicence
    from licences.services import local_today

    login(seed_shop.members[0].user)
    response = _upload(client, png_bytes(), licence_type="spaceship", number="",
                       expires_on=(local_today() - dt.timedelta(days=1)).isoformat())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请选择许可证类型" in page and "请填写这一项" in page and "许可证已过有效期" in page
    assert "spaceship" not in page.split('id="licence-form"')[0]
    assert _count(db, ShopLicence) == 0


def test_a_seed_shop_cannot_publish_seeds_until_its_licence_is_verified(client, login, make_user, seeds, seed_shop,
                                                                        make_product, db, app):
    from catalog.models import ProductStatus
    from catalog.services import CatalogError, publish
    from licences.models import LicenceStatus, LicenceStatusChange, ShopLicence
    from marketplace.admin.models import AuditEntry
    from marketplace.notifications.models import Notification

    owner = seed_shop.members[0].user
    product = make_product(seed_shop, category=seeds, status=ProductStatus.DRAFT, title="三樱椒种子")
    with pytest.raises(CatalogError, match="种子生产经营许可证"):
        publish(product, owner)

    login(owner)
    page = client.get("/merchant/licences").get_data(as_text=True)
    assert "种子种苗" in page and "不能上架" in page
    assert _upload(client, png_bytes()).status_code in (302, 303)
    licence = db.session.scalar(sa.select(ShopLicence))
    assert licence.status == LicenceStatus.PENDING and licence.scan_key.startswith("private/shop-licences/")
    assert "/media/" not in client.get("/merchant/licences").get_data(as_text=True)
    with pytest.raises(CatalogError):  # pending is not enough
        publish(product, owner)
    # the merchant cannot verify his own licence
    assert client.post(f"/admin/licences/{licence.id}/verify").status_code == 403

    admin = make_user(roles=("admin",))
    client.post("/account/logout")
    login(admin)
    assert licence.number in client.get("/admin/licences").get_data(as_text=True)
    detail = client.get(f"/admin/licences/{licence.id}")
    assert detail.status_code == 200 and "种子生产经营许可证" in detail.get_data(as_text=True)
    scan = client.get(f"/licences/{licence.id}/scan")
    assert scan.status_code == 200 and scan.headers["Content-Type"] == "image/webp"
    assert "no-store" in scan.headers["Cache-Control"] and scan.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post(f"/admin/licences/{licence.id}/verify").status_code in (302, 303)
    db.session.expire_all()
    assert licence.status == LicenceStatus.VERIFIED and licence.verified_at is not None
    assert [c.to_status for c in db.session.scalars(sa.select(LicenceStatusChange).order_by(LicenceStatusChange.id))] \
        == [LicenceStatus.PENDING, LicenceStatus.VERIFIED]
    assert db.session.scalar(sa.select(AuditEntry.action)) == "licence.verify"
    assert db.session.scalar(sa.select(Notification.type_key).where(Notification.user_id == owner.id)) \
        == "licences.reviewed"

    publish(product, owner)
    assert product.status == ProductStatus.PUBLISHED


def test_reject_needs_a_reason_and_a_rejected_licence_is_final(client, login, make_user, seed_shop, make_licence, db):
    from licences.models import LicenceStatus

    licence = make_licence(seed_shop, status=LicenceStatus.PENDING)
    login(make_user(roles=("admin",)))
    response = client.post(f"/admin/licences/{licence.id}/reject", data={"reason": " "})
    assert response.status_code == 422 and "请填写原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert licence.status == LicenceStatus.PENDING
    client.post(f"/admin/licences/{licence.id}/reject", data={"reason": "扫描件模糊"})
    db.session.expire_all()
    assert licence.status == LicenceStatus.REJECTED and licence.status_reason == "扫描件模糊"
    assert client.post(f"/admin/licences/{licence.id}/verify").status_code == 409
    db.session.expire_all()
    assert licence.status == LicenceStatus.REJECTED  # the machine refuses: the shop uploads anew


def test_an_expired_pending_licence_cannot_be_verified(seed_shop, make_licence, make_user, db):
    from licences.models import LicenceStatus
    from licences.services import LicenceError, verify

    licence = make_licence(seed_shop, status=LicenceStatus.PENDING, expires_in=-1)
    with pytest.raises(LicenceError):
        verify(licence, make_user(roles=("admin",)))


def test_the_scan_is_private_foreign_ids_are_404(client, login, make_user, make_shop, seed_shop, make_licence):
    licence = make_licence(seed_shop)
    other = make_shop()
    assert client.get(f"/licences/{licence.id}/scan").status_code in (302, 401)  # visitors sign in first
    login(other.members[0].user)
    assert client.get(f"/licences/{licence.id}/scan").status_code == 404
    assert client.get("/licences/999999/scan").status_code == 404
    client.post("/account/logout")
    login(make_user())
    assert client.get(f"/licences/{licence.id}/scan").status_code == 404
    assert client.get(f"/admin/licences/{licence.id}").status_code == 403
    client.post("/account/logout")
    login(make_user(roles=("admin",)))
    assert client.get("/admin/licences/999999").status_code == 404


def test_the_regulator_sees_the_scan_but_cannot_review(client, login, make_user, seed_shop, make_licence, db):
    from licences.models import LicenceStatus
    from marketplace.storage import get_storage

    licence = make_licence(seed_shop, status=LicenceStatus.PENDING)
    get_storage().save(licence.scan_key, b"RIFF....WEBPVP8 ")
    login(make_user(roles=("food_safety_regulator",)))
    scan = client.get(f"/licences/{licence.id}/scan")
    assert scan.status_code == 200 and "no-store" in scan.headers["Cache-Control"]
    assert client.post(f"/admin/licences/{licence.id}/verify").status_code == 403
    assert client.post("/admin/licences/categories", data={"category": 1, "licence_type": "seed"}).status_code == 403
    db.session.expire_all()
    assert licence.status == LicenceStatus.PENDING


def test_the_admin_sets_a_categorys_requirements(client, login, make_user, seeds, db):
    from catalog.categories import find_category
    from licences.models import CategoryLicence, LicenceType

    pesticide = find_category("农资/农药")
    login(make_user(roles=("admin",)))
    page = client.get("/admin/licences/categories").get_data(as_text=True)
    assert "农药经营许可证" in page
    client.post("/admin/licences/categories", data={"category": pesticide.id, "licence_type": ["pesticide", "bogus"]})
    rows = {(r.category_id, r.licence_type) for r in db.session.scalars(sa.select(CategoryLicence))}
    assert rows == {(seeds.id, LicenceType.SEED), (pesticide.id, LicenceType.PESTICIDE)}
    client.post("/admin/licences/categories", data={"category": pesticide.id})
    assert _count(db, CategoryLicence) == 1
    assert client.post("/admin/licences/categories", data={"category": 999999}).status_code == 404


def test_a_requirement_on_a_parent_covers_its_children(seeds, seed_shop, make_product, db):
    from catalog.categories import find_category
    from catalog.models import ProductStatus
    from catalog.services import CatalogError, publish
    from licences.models import CategoryLicence, LicenceType

    root = find_category("农资")
    db.session.add(CategoryLicence(category_id=root.id, licence_type=LicenceType.PESTICIDE))
    db.session.commit()
    product = make_product(seed_shop, category=find_category("农资/农机"), status=ProductStatus.DRAFT)
    with pytest.raises(CatalogError, match="农药经营许可证"):
        publish(product, seed_shop.members[0].user)
