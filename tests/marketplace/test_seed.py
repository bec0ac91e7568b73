"""`flask --app marketplace seed-demo`: the Shangqiu demo, idempotent, and --if-empty."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace import seed
from marketplace.accounts.models import Role, User
from marketplace.extensions import db as _db
from marketplace.media import get_storage
from marketplace.regions.models import Region
from marketplace.seed_data import ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SHOPS, PENDING_SHOP
from marketplace.shops.models import MemberRole, Shop, ShopMember, ShopStatus, ShopType
from marketplace.shops.services import image_key
from marketplace.shops.validation import normalise_licence_number, normalise_phone


def table_counts() -> dict[str, int]:
    _db.session.expire_all()
    with _db.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in _db.metadata.sorted_tables}


#: The shell's own steps only: the catalogue and investment seeds are slow and have their own tests.
SHELL_ONLY = ("--without", "catalog", "--without", "investment")


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_seed_demo_creates_the_demo(app, db):
    result = run(app, *SHELL_ONLY)
    by_email = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert by_email[ADMIN_EMAIL].has_role(Role.ADMIN)
    assert by_email["officer@demo.example"].has_role(Role.OFFICER)
    assert by_email["reviewer@demo.example"].has_role(Role.REVIEWER)
    assert not by_email["buyer@demo.example"].roles and "buyer2@demo.example" in by_email

    from marketplace.accounts.services import authenticate

    assert authenticate("buyer@demo.example", DEMO_PASSWORD) is not None

    shops = {s.slug: s for s in db.session.scalars(sa.select(Shop))}
    assert len(shops) == len(DEMO_SHOPS) + 1
    assert shops[PENDING_SHOP["slug"]].status == ShopStatus.PENDING
    approved = [s for s in shops.values() if s.status == ShopStatus.APPROVED]
    assert len(approved) == len(DEMO_SHOPS)
    assert {s.shop_type for s in approved} == set(ShopType)  # every type is shown
    stalls = [s for s in approved if s.shop_type == ShopType.MARKET_STALL]
    assert stalls and all(s.market_name == "商丘农产品中心批发市场" and s.stall_number for s in stalls)
    chili = shops["zhecheng-lajiao-hezuoshe"]
    assert chili.name == "柘城县辣椒合作社" and chili.shop_type == ShopType.COOPERATIVE
    assert chili.region.name == "起台镇" and chili.region.parent.name == "柘城县"

    storage = get_storage()
    for shop in shops.values():
        owner = db.session.scalar(sa.select(ShopMember).where(ShopMember.shop_id == shop.id))
        assert owner.role == MemberRole.OWNER
        # demo data passes the same checks as a real application
        assert normalise_licence_number(shop.licence_number) == shop.licence_number
        assert normalise_phone(shop.phone)
        assert storage.exists(image_key(shop.logo_image, 160)) and storage.exists(image_key(shop.logo_image, 480))
        assert storage.exists(image_key(shop.licence_image, "full"))
        assert shop.licence_image.startswith("private/") and shop.logo_image.startswith("public/")

    assert db.session.scalar(sa.select(sa.func.count(Region.id))) > 9
    assert "admin@demo.example" in result.output and DEMO_PASSWORD in result.output
    assert "http://127.0.0.1:5000" in result.output
    assert "柘城县辣椒合作社" in result.output


@pytest.mark.slow
def test_seed_demo_twice_changes_nothing(demo_app):
    """The whole chain, other domains' steps included: the second run (over the demo the suite seeded
    once, tests/demo_app.py) adds and changes nothing."""
    with demo_app.app_context():
        first = table_counts()
        shop_rows = {(s.slug, s.logo_image, s.licence_image, s.status) for s in _db.session.scalars(sa.select(Shop))}
        _db.session.remove()
        run(demo_app)
        assert table_counts() == first
        assert {(s.slug, s.logo_image, s.licence_image, s.status)
                for s in _db.session.scalars(sa.select(Shop))} == shop_rows
        _db.session.remove()


def test_if_empty_seeds_an_empty_database_and_then_returns_at_once(app, db):
    first = run(app, "--if-empty", *SHELL_ONLY)
    assert "Demo accounts" in first.output
    counts = table_counts()
    second = run(app, "--if-empty", *SHELL_ONLY)
    assert "nothing to do" in second.output
    assert table_counts() == counts


def test_without_leaves_out_other_domains_steps(app, db):
    run(app, *SHELL_ONLY)
    counts = table_counts()
    assert counts["shops"] == len(DEMO_SHOPS) + 1
    for table in ("products", "invest_projects"):  # the other domains' demo rows
        assert counts.get(table, 0) == 0
    assert app.test_cli_runner().invoke(args=["seed-demo", "--without", "shops"]).exit_code == 2


def test_logo_is_a_square_with_or_without_a_cjk_font(monkeypatch):
    with_font = Image.open(io.BytesIO(seed.make_logo("柘", (176, 30, 30), size=120)))
    assert with_font.size == (120, 120)
    seed.cjk_font_path.cache_clear()
    monkeypatch.setattr(seed.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(OSError("no fc-match")))
    try:
        assert seed.cjk_font_path() is None
        plain = Image.open(io.BytesIO(seed.make_logo("柘", (176, 30, 30), size=64)))
        assert plain.size == (64, 64) and plain.getpixel((32, 32))[:3] == (176, 30, 30)
    finally:
        seed.cjk_font_path.cache_clear()


def test_demo_admin_can_log_in_through_the_form_and_open_the_admin(app, client, db):
    run(app, *SHELL_ONLY)
    response = client.post("/account/login", data={"email": ADMIN_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin").status_code == 200
