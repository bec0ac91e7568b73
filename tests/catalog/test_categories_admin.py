"""The category tree: idempotent loading, lookups, the admin's audited edits, CLI and seed."""

from __future__ import annotations

import json

import pytest

from catalog.categories import CategoryError, find_category, load_categories
from catalog.models import Category


def test_loader_is_idempotent_and_keeps_admin_names(db, app):
    first = load_categories()
    assert first == 22
    cat = find_category("agri.fruit")
    cat.name = "鲜果"
    db.session.commit()
    assert load_categories() == 0
    assert db.session.get(Category, cat.id).name == "鲜果"
    assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == 22


def test_every_category_has_codes_and_english_names(app):
    from catalog.categories import DEFAULT_FILE

    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    codes = []

    def walk(nodes):
        for node in nodes:
            assert node["name"] and node["name_en"]
            codes.append(node["code"])
            walk(node.get("children", []))

    walk(data["categories"])
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(("text", "code"), [("农产品/水果", "agri.fruit"), ("农产品 / 水果", "agri.fruit"),
                                            ("agri.fruit", "agri.fruit"), ("水果", "agri.fruit"), ("火星", None)])
def test_find_category(categories, text, code):
    found = find_category(text)
    assert (found.code if found else None) == code


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


def audit_actions(db):
    from marketplace.admin.models import AuditEntry

    return [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_admin_adds_renames_reorders_and_deactivates(db, client, login, admin, categories):
    login(admin)
    assert client.get("/admin/categories").status_code == 200
    agri = find_category("agri")
    r = client.post("/admin/categories", data={"name": "菌菇", "name_en": "Mushrooms", "code": "agri.mushrooms",
                                               "parent": str(agri.id)})
    assert r.status_code == 302
    cat = find_category("农产品/菌菇")
    assert cat is not None and cat.code == "agri.mushrooms"
    r = client.post(f"/admin/categories/{agri.id}", data={"name": "农副产品", "name_en": "Farm produce"})
    assert r.status_code == 302
    db.session.expire_all()
    assert find_category("农副产品/菌菇") is not None and find_category("agri.fruit").path == "农副产品/水果"
    before = [c.code for c in db.session.get(Category, agri.id).children]
    client.post(f"/admin/categories/{cat.id}/up")
    db.session.expire_all()
    after = [c.code for c in db.session.get(Category, agri.id).children]
    assert after.index("agri.mushrooms") == before.index("agri.mushrooms") - 1
    client.post(f"/admin/categories/{cat.id}/deactivate")
    db.session.expire_all()
    assert db.session.get(Category, cat.id).active is False
    assert client.get("/c/agri.mushrooms").status_code == 404
    assert audit_actions(db) == ["category.add", "category.rename", "category.reorder", "category.deactivate"]


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "水果", "code": "agri.fruit2"}, "已有名为"),
    ({"name": "新类", "code": "Bad Code"}, "代码只能"),
    ({"name": "新类", "code": "agri.fruit"}, "已被使用"),
    ({"name": "a/b", "code": "agri.ab"}, "不能含"),
])
def test_bad_category_edits_refused(db, client, login, admin, categories, data, message):
    login(admin)
    agri = find_category("agri")
    html = client.post("/admin/categories", data={**data, "parent": str(agri.id)}).get_data(as_text=True)
    assert message in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == 22


def test_category_pages_need_admin(db, client, login, make_user, owner, categories):
    login(make_user())
    assert client.get("/admin/categories").status_code == 403
    cat = find_category("agri")
    assert client.post(f"/admin/categories/{cat.id}/deactivate").status_code == 403
    db.session.expire_all()
    assert db.session.get(Category, cat.id).active is True


def test_rename_service_refuses_clash(db, categories, make_user):
    from catalog.categories import rename_category

    with pytest.raises(CategoryError):
        rename_category(find_category("agri.fruit"), make_user(), name="蔬菜")


def test_cli_import_dry_run_and_export(app, db, shop, categories, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("product_code,title,category,variant,unit,price,stock\nA1,面粉,农产品/粮油,25kg,袋,95.00,3\n",
                    encoding="gbk")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "import", str(path), "--shop", shop.slug, "--dry-run"])
    assert result.exit_code == 0 and "Nothing was changed" in result.output
    result = runner.invoke(args=["catalog", "import", str(path), "--shop", shop.slug])
    assert result.exit_code == 0 and "1 products created" in result.output
    result = runner.invoke(args=["catalog", "import", str(path), "--shop", "nope"])
    assert result.exit_code != 0 and "No shop" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("product_code,title,category,variant,unit,price\nA1,面粉,农产品/粮油,25kg,坨,x\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(bad), "--shop", shop.slug])
    assert result.exit_code != 0 and "row 2 [unit]" in result.output and "nothing was imported" in result.output
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["catalog", "export", "--shop", shop.slug, "-o", str(out)])
    assert result.exit_code == 0 and "面粉" in out.read_text(encoding="utf-8-sig")


def test_seed_is_idempotent(app, db, make_shop, regions):
    from catalog.models import Product, ProductImage
    from catalog.seed import seed_demo_catalog
    from marketplace.shops.models import ShopType

    shop = make_shop(name="永城铝业", slug="yongcheng-lvye", county="永城市")
    make_shop(name="无关店铺", slug="unrelated", shop_type=ShopType.FARMER, county="睢县")
    seed_demo_catalog()
    products = db.session.scalars(db.select(Product)).all()
    assert len(products) == 7 and all(p.shop_id == shop.id for p in products)
    assert all(p.primary_image and p.variants for p in products)
    ingot = next(p for p in products if p.title == "电解铝锭")  # its grades are variants
    assert [v.name for v in ingot.variants] == ["A00 Al99.70 整吨", "Al99.85 整吨"]
    assert ingot.variants[0].unit == "吨" and ingot.variants[0].moq == 5 and ingot.variants[0].tiers
    images = db.session.scalar(db.select(db.func.count()).select_from(ProductImage))
    seed_demo_catalog()
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 7
    assert db.session.scalar(db.select(db.func.count()).select_from(ProductImage)) == images
