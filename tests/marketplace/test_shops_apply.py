"""Applying for a shop: the happy path, field checks, and hostile uploads that must save nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.mail.models import OutboxMessage
from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopStatusChange, ShopType
from marketplace.shops.services import apply_for_shop, image_key
from marketplace.shops.validation import (
    FieldError,
    ShopError,
    normalise_licence_number,
    normalise_phone,
    slug_base,
)
from tests.marketplace.shop_helpers import (
    HTML_AS_PNG,
    SVG,
    bomb_png,
    form_payload,
    jpeg_bytes,
    media_files,
    noisy_png,
    png_bytes,
    shop_data,
    upload,
    uscc,
)


def rows(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_nothing_saved(app, db):
    db.session.rollback()
    assert rows(db, Shop) == 0
    assert rows(db, ShopMember) == 0
    assert rows(db, ShopStatusChange) == 0
    assert rows(db, OutboxMessage) == 0
    assert media_files(app) == []


# --- the service -----------------------------------------------------------------------------

def test_apply_creates_a_pending_shop_with_owner_history_mail_and_images(app, db, regions, make_user):
    user = make_user(email="farmer@example.com", locale="en")
    shop = apply_for_shop(user, shop_data(), upload(jpeg_bytes(2000, 1500), "执照.jpg", "image/jpeg"),
                          upload(png_bytes(600, 600), "logo.png"))
    assert shop.status == ShopStatus.PENDING
    assert shop.slug == "qi-tai-zhen-hong-la-jiao-he-zuo-she"
    assert shop.shop_type == ShopType.COOPERATIVE
    assert shop.phone == "13837001234"
    assert shop.region.name == "起台镇"
    assert shop.market_name is None and shop.stall_number is None
    member = db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == user.id))
    assert member.shop_id == shop.id and member.role == MemberRole.OWNER
    history = list(db.session.scalars(sa.select(ShopStatusChange)))
    assert [(h.from_status, h.to_status, h.actor_id) for h in history] == [(None, ShopStatus.PENDING, user.id)]
    # licence: private, an 800 px derivative and the re-encoded full image; logo: public 160 and 480,
    # and its re-encoded original (which the sizes are made from, marketplace.media.derivatives)
    assert shop.licence_image.startswith("private/licences/")
    assert shop.logo_image.startswith("public/logos/")
    files = {f.split("/media/", 1)[1] for f in media_files(app)}
    assert files == {image_key(shop.licence_image, 800), image_key(shop.licence_image, "full"),
                     image_key(shop.logo_image, 160), image_key(shop.logo_image, 480), image_key(shop.logo_image, "full")}
    mail = db.session.scalar(sa.select(OutboxMessage))
    assert mail.to_addr == "farmer@example.com" and mail.template == "shop_status" and mail.locale == "en"


def test_market_stall_needs_market_and_stall(app, db, regions, make_user):
    with pytest.raises(ShopError) as info:
        apply_for_shop(make_user(), shop_data(shop_type="market_stall"), upload(png_bytes()))
    assert set(info.value.errors) == {"market_name", "stall_number"}
    shop = apply_for_shop(make_user(), shop_data(shop_type="market_stall", market_name="商丘农产品中心批发市场",
                                                 stall_number="B区 12 号"), upload(png_bytes()))
    assert (shop.market_name, shop.stall_number) == ("商丘农产品中心批发市场", "B区 12 号")


def test_one_shop_per_user(app, db, regions, make_user):
    user = make_user()
    apply_for_shop(user, shop_data(), upload(png_bytes()))
    with pytest.raises(ShopError, match="只能开一家"):
        apply_for_shop(user, shop_data(name="另一家店"), upload(png_bytes()))
    assert rows(db, Shop) == 1


def test_slug_gets_a_suffix_when_taken(app, db, regions, make_user):
    slugs = [apply_for_shop(make_user(), shop_data(name="宁陵酥梨"), upload(png_bytes())).slug for _ in range(3)]
    assert slugs == ["ning-ling-su-li", "ning-ling-su-li-2", "ning-ling-su-li-3"]


@pytest.mark.parametrize("name, expected", [
    ("柘城辣椒", "zhe-cheng-la-jiao"), ("Apply", "shop-apply"), ("123", "shop-123"), ("！！", "shop"),
    ("永城 Flour 面粉厂", "yong-cheng-flour-mian-fen-chang"),
])
def test_slug_base(app, name, expected):
    assert slug_base(name) == expected


def test_bad_fields_are_all_reported(app, db, regions, make_user):
    data = shop_data(name="x", shop_type="spaceship", region_id=999999, address="", phone="12345",
                     licence_number="ABC")
    with pytest.raises(ShopError) as info:
        apply_for_shop(make_user(), data, None)
    assert set(info.value.errors) == {"name", "shop_type", "region_id", "address", "phone", "licence_number",
                                      "licence_image"}
    assert_nothing_saved(app, db)


def test_city_itself_is_not_a_shop_region(app, db, regions, make_user):
    from tests.marketplace.shop_helpers import region_id

    with pytest.raises(ShopError) as info:
        apply_for_shop(make_user(), shop_data(region_id=region_id("商丘市")), upload(png_bytes()))
    assert "region_id" in info.value.errors


@pytest.mark.parametrize("raw, expected", [
    ("13837001234", "13837001234"), ("+86 138-3700-1234", "13837001234"), ("0370-3221234", "0370-3221234"),
    ("03703221234", "0370-3221234"), ("(0370) 3221234", "0370-3221234"), ("400-800-1234", "400-800-1234"),
    ("0370-3221234-808", "0370-3221234-808"),
])
def test_phone_formats(raw, expected, app):
    with app.test_request_context():
        assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "23837001234", "138370012345", "phone", "0370-12"])
def test_bad_phones(raw, app):
    with app.test_request_context(), pytest.raises(FieldError):
        normalise_phone(raw)


def test_licence_numbers(app):
    good = uscc()
    with app.test_request_context():
        assert normalise_licence_number(good.lower()) == good
        assert normalise_licence_number(" 4114 2410 0012 345 ") == "411424100012345"  # old 15-digit number
        bad_check = good[:17] + ("0" if good[17] != "0" else "1")
        with pytest.raises(FieldError, match="校验位"):
            normalise_licence_number(bad_check)
        with pytest.raises(FieldError, match="不含 I、O、S、V、Z"):
            normalise_licence_number("91411424MA45ABCDI" + "0")
        with pytest.raises(FieldError, match="18 位统一社会信用代码"):
            normalise_licence_number("12345")


# --- hostile uploads: refused, nothing saved --------------------------------------------------

HOSTILE = [
    pytest.param(HTML_AS_PNG, "licence.png", "不是支持的图片", id="html-disguised-as-png"),
    pytest.param(SVG, "licence.svg", "不是支持的图片", id="svg"),
    pytest.param(bomb_png(), "licence.png", "图片尺寸过大", id="20000x20000-png-bomb"),
    pytest.param(jpeg_bytes(800, 600)[:1500], "licence.jpg", "损坏或不完整", id="truncated-jpeg"),
    pytest.param(b"", "licence.png", "空", id="empty"),
]


@pytest.mark.parametrize("data, filename, message", HOSTILE)
def test_hostile_licence_is_refused_and_nothing_saved(app, db, regions, make_user, data, filename, message):
    with pytest.raises(ShopError) as info:
        apply_for_shop(make_user(), shop_data(), upload(data, filename), upload(png_bytes(), "logo.png"))
    assert message in " ".join(info.value.errors["licence_image"])
    assert_nothing_saved(app, db)


@pytest.mark.parametrize("data, filename, message", HOSTILE[:4])
def test_hostile_logo_is_refused_and_the_good_licence_is_not_stored(app, db, regions, make_user, data, filename,
                                                                     message):
    with pytest.raises(ShopError) as info:
        apply_for_shop(make_user(), shop_data(), upload(png_bytes(), "licence.png"), upload(data, filename))
    assert message in " ".join(info.value.errors["logo"])
    assert_nothing_saved(app, db)


def test_oversize_file_is_refused(app, db, regions, make_user):
    app.config["UPLOAD_IMAGE_MAX_BYTES"] = 1024 * 1024
    big = noisy_png(700, 700)
    assert len(big) > 1024 * 1024
    with pytest.raises(ShopError) as info:
        apply_for_shop(make_user(), shop_data(), upload(big))
    assert "文件太大" in " ".join(info.value.errors["licence_image"])
    assert_nothing_saved(app, db)


# --- the form --------------------------------------------------------------------------------

def test_apply_page_needs_login(client, app):
    response = client.get("/shops/apply")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_apply_form_happy_path(client, app, db, regions, make_user, login):
    user = make_user()
    login(user)
    page = client.get("/shops/apply")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("本地企业", "批发市场商户", "合作社", "农户", "起台镇", "营业执照照片"):
        assert label in html
    response = client.post("/shops/apply", data=form_payload(shop_data(), licence=jpeg_bytes()),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/shops/application")
    shop = db.session.scalar(sa.select(Shop))
    assert shop.status == ShopStatus.PENDING
    status_page = client.get("/shops/application").get_data(as_text=True)
    assert "审核中" in status_page and shop.name in status_page
    # a second visit to the form goes to the status page
    assert client.get("/shops/apply").status_code == 302


@pytest.mark.parametrize("data, filename, message", HOSTILE[:4])
def test_apply_form_shows_the_upload_error_on_the_field(client, app, db, regions, make_user, login, data, filename,
                                                         message):
    login(make_user())
    response = client.post("/shops/apply", data=form_payload(shop_data(), licence=data, licence_name=filename),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'id="licence_image-error"' in html
    assert_nothing_saved(app, db)


def test_apply_form_field_errors(client, app, db, regions, make_user, login):
    login(make_user())
    data = shop_data(shop_type="market_stall", phone="12", licence_number="91411424MA45ABCD10")
    response = client.post("/shops/apply", data=form_payload(data, licence=png_bytes()),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "批发市场商户需要填写这一项" in html
    assert "请填写有效的电话" in html
    assert "校验位" in html or "统一社会信用代码" in html
    assert rows(db, Shop) == 0


def test_apply_form_without_licence(client, app, db, regions, make_user, login):
    login(make_user())
    response = client.post("/shops/apply", data=form_payload(shop_data()), content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请上传营业执照照片" in response.get_data(as_text=True)


def test_apply_form_needs_csrf(csrf_app, db, make_user):
    from marketplace.regions.services import configured_files, load_regions

    load_regions(configured_files())
    user = make_user()
    client = csrf_app.test_client()
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post("/account/login", data={"email": user.email, "password": "correct horse 42", "csrf_token": token})
    response = client.post("/shops/apply", data=form_payload(shop_data(), licence=png_bytes()),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert rows(db, Shop) == 0


@pytest.mark.slow
def test_concurrent_applications_by_one_user_make_one_shop(app, db, regions, make_user):
    import threading

    from marketplace.accounts.models import User

    user_id = make_user().id
    data = shop_data()
    image = png_bytes()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(n: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                apply_for_shop(user, dict(data, name=f"并发申请{n}"), upload(image))
                outcomes.append("ok")
            except ShopError as exc:
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1, outcomes
    assert "只能开一家" in [o for o in outcomes if o != "ok"][0]
    db.session.expire_all()
    assert rows(db, Shop) == 1 and rows(db, ShopMember) == 1
