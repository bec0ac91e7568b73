"""Products: creation, validation, the status machine, duplicate, soft delete, denormalised fields."""

from __future__ import annotations

import pytest

from catalog.models import ProductStatus, ProductStatusChange
from catalog.services import PRODUCT_STATUS, CatalogError
from marketplace.states import InvalidTransition
from tests.catalog.catalog_helpers import variant_row

D, P, H = ProductStatus.DRAFT, ProductStatus.PUBLISHED, ProductStatus.HIDDEN


@pytest.mark.parametrize(("current", "target", "allowed"), [
    (D, P, True), (D, H, False), (D, D, False), (P, H, True), (P, D, True), (P, P, False),
    (H, P, True), (H, D, True), (H, H, False),
])
def test_status_machine_table(current, target, allowed):
    assert PRODUCT_STATUS.can(current, target) is allowed


@pytest.mark.parametrize(("path", "refused"), [
    ([P, H, P, D, P], None), ([H], H), ([P, P], P), ([P, H, H], H),
])
def test_set_status_records_each_move(db, make_product, owner, path, refused):
    from catalog.services import set_status

    product = make_product(status=D)
    moves = 0
    for target in path:
        if target == refused and (product.status == target or not PRODUCT_STATUS.can(product.status, target)):
            with pytest.raises(InvalidTransition):
                set_status(product, target, owner)
            break
        set_status(product, target, owner)
        moves += 1
        assert product.status == target
    rows = db.session.scalars(db.select(ProductStatusChange).where(ProductStatusChange.product_id == product.id)
                              .order_by(ProductStatusChange.id)).all()
    assert len(rows) == 1 + moves  # the creation row, then one per move
    assert rows[0].from_status is None and rows[0].to_status == D
    assert all(r.actor_id == owner.id for r in rows)


def test_create_sets_denormalised_fields(make_product):
    product = make_product(variants=[variant_row(price=1500, stock=0), variant_row(name="散装", unit="kg", price=800, tiers=(),
                                                                                   stock=5, moq=10)])
    assert product.min_price_cents == 800
    assert product.in_stock is False  # 5 < MOQ 10, and the other has none
    assert product.published_at is not None and product.status == P


@pytest.mark.parametrize(("field", "value"), [("title", ""), ("title", "长" * 121), ("code", "has space"),
                                              ("category", None), ("certifications", ["bogus"])])
def test_bad_product_fields_refused(db, make_product, field, value):
    from catalog.models import Product

    with pytest.raises(CatalogError) as exc:
        make_product(**{field: value})
    assert field in exc.value.errors
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0


@pytest.mark.parametrize("row", [
    variant_row(name=""), variant_row(unit="桶装水"), variant_row(price=-1), variant_row(moq=0), variant_row(step=0),
    variant_row(stock=-5), variant_row(tiers=[(1, 1000)]), variant_row(tiers=[(10, 1300)]),
    variant_row(tiers=[(100, 950), (10, 1100)]), variant_row(weight_grams=0),
])
def test_bad_variants_refused(make_product, row):
    with pytest.raises(CatalogError) as exc:
        make_product(variants=[row])
    assert "variants-0" in exc.value.errors


def test_product_field_messages_are_listed_by_field_in_order(db, categories, shop):
    from catalog.services import clean_product_fields

    attributes = [["名" * 31, "值"], ["", "dropped"]] + [[f"k{i}", "v"] for i in range(30)]
    with pytest.raises(CatalogError) as exc:
        clean_product_fields(shop, {"title": "", "subtitle": "长" * 201, "description": "长" * 20_001,
                                    "category": "999999", "code": "has space", "attributes": attributes,
                                    "certifications": ["bogus", "organic", "organic"]})
    assert list(exc.value.errors.items()) == [
        ("title", ["请填写商品标题"]), ("subtitle", ["副标题不能超过 200 个字"]),
        ("description", ["描述不能超过 20000 个字"]), ("category", ["请选择有效的分类"]),
        ("code", ["商品编码只能用字母、数字、点、横线和下划线，最长 64 位"]),
        ("attributes", ["属性名不超过 30 个字，属性值不超过 100 个字", "属性最多 30 项"]),
        ("certifications", ["未知的认证：bogus"])]


def test_variant_messages_are_listed_in_field_order(db):
    from catalog.services import clean_variants

    bad = variant_row(name="长" * 81, unit="桶装水", price=None, moq=0, step=0, stock=-1, weight_grams=0,
                      tiers=[(i, 100) for i in range(2, 13)], id=999)
    with pytest.raises(CatalogError) as exc:
        clean_variants([variant_row(), bad, variant_row(tiers=()), variant_row(name=" ")])
    assert list(exc.value.errors.items()) == [
        ("variants-1", ["规格名称不能超过 80 个字", "未知的单位“桶装水”：请从单位列表中选择，没有的单位请联系平台添加", "请填写有效的单价", "起批量必须是不小于 1 的整数",
                        "递增数量必须是不小于 1 的整数", "库存必须是不小于 0 的整数", "每件净重（克）必须是正整数",
                        "价格阶梯最多 10 档", "规格不存在"]),
        ("variants-2", ["规格名称“5kg 箱装”重复了"]), ("variants-3", ["请填写规格名称"])]
    with pytest.raises(CatalogError) as exc:
        clean_variants([variant_row(name=str(i)) for i in range(31)])
    assert exc.value.errors == {"variants": ["规格最多 30 个"]}


def test_duplicate_variant_names_refused(make_product):
    with pytest.raises(CatalogError):
        make_product(variants=[variant_row(), variant_row()])


def test_duplicate_product_code_in_shop_refused(make_product):
    make_product(code="SAME")
    with pytest.raises(CatalogError) as exc:
        make_product(code="SAME")
    assert "code" in exc.value.errors


def test_update_variants_and_tiers(db, make_product, owner):
    from catalog.services import update_product

    product = make_product()
    v = product.variants[0]
    data = {"title": "新标题", "category": product.category, "code": product.code}
    update_product(product, owner, data, [
        {**variant_row(price=1000, tiers=[(20, 900)]), "id": v.id, "stock": None},
        variant_row(name="10kg 袋装", unit="袋", price=1800, stock=3, tiers=[]),
    ])
    assert product.title == "新标题"
    assert [t.min_quantity for t in v.tiers] == [20]
    assert v.stock == 100  # stock is not edited through the editor
    assert product.min_price_cents == 1000 and len(product.variants) == 2
    # dropping a variant deactivates it (orders may refer to it)
    update_product(product, owner, data, [{**variant_row(price=1000, tiers=[]), "id": v.id}])
    assert [x.active for x in product.variants] == [True, False]
    assert product.min_price_cents == 1000


def test_update_with_foreign_variant_id_refused(make_product, owner):
    from catalog.services import update_product

    a, b = make_product(), make_product()
    with pytest.raises(CatalogError):
        update_product(a, owner, {"title": "x", "category": a.category},
                       [{**variant_row(), "id": b.variants[0].id}])


def test_duplicate_copies_as_draft_without_stock(make_product, owner):
    from catalog.services import duplicate_product

    product = make_product(attributes=[["品种", "三樱椒"]], certifications=["gi"])
    copy = duplicate_product(product, owner)
    assert copy.id != product.id and copy.status == D and copy.code == f"{product.code}-copy"
    assert copy.attributes == [["品种", "三樱椒"]] and copy.certifications == ["gi"]
    assert [(t.min_quantity, t.unit_price_cents) for t in copy.variants[0].tiers] == [(10, 1100), (100, 950)]
    assert copy.variants[0].stock == 0
    assert duplicate_product(product, owner).code == f"{product.code}-copy2"


def test_soft_delete_hides_and_blocks_publishing(make_product, owner):
    from catalog.services import set_status, soft_delete

    product = make_product()
    soft_delete(product, owner)
    assert product.deleted_at is not None and product.status == H
    with pytest.raises(CatalogError):
        set_status(product, P, owner)


def test_publish_needs_an_active_category(db, make_product, owner):
    from catalog.services import set_status

    product = make_product(status=D)
    product.category.active = False
    db.session.commit()
    with pytest.raises(CatalogError):
        set_status(product, P, owner)


def test_catalogue_refusals_are_domain_errors_with_status_and_code():
    from catalog.categories import CategoryError
    from catalog.csv_io import CsvFileError
    from catalog.pricing import QuantityError
    from catalog.services import OutOfStock
    from catalog.zipimages import ZipError
    from marketplace.errors import DomainError

    found = {cls.__name__: (cls.status, cls.code) for cls in (CatalogError, OutOfStock, CategoryError, ZipError,
                                                              QuantityError, CsvFileError)}
    assert found == {"CatalogError": (400, "invalid_product"), "OutOfStock": (409, "out_of_stock"),
                     "CategoryError": (400, "invalid_category"), "ZipError": (400, "invalid_zip"),
                     "QuantityError": (400, "invalid_quantity"), "CsvFileError": (400, "invalid_csv")}
    assert all(issubclass(cls, DomainError) and not issubclass(cls, ValueError)
               for cls in (CatalogError, OutOfStock, CategoryError, ZipError, QuantityError, CsvFileError))
    exc = CatalogError(errors={"title": ["请填写商品标题"]})
    assert exc.message == "请填写商品标题" and exc.errors == {"title": ["请填写商品标题"]}


def test_status_move_loses_to_a_move_made_first_elsewhere(db, make_product, owner):
    """Another request hid the product after this one read it: publishing -> draft is refused (the
    move's UPDATE is conditional on the status read), nothing is recorded, and re-publishing keeps
    the first publication time."""
    from sqlalchemy.orm.attributes import set_committed_value

    from catalog.models import Product
    from catalog.services import set_status

    product = make_product()
    first_published = product.published_at
    db.session.execute(db.update(Product).where(Product.id == product.id).values(status=H)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    set_committed_value(product, "status", P)  # the stale copy this request read before
    with pytest.raises(InvalidTransition):
        set_status(product, D, owner)
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == H
    assert db.session.scalar(db.select(db.func.count()).select_from(ProductStatusChange)
                             .where(ProductStatusChange.product_id == product.id)) == 2  # created, published
    set_status(db.session.get(Product, product.id), P, owner)
    db.session.expire_all()
    assert db.session.get(Product, product.id).published_at == first_published
