"""The admin's unit pages: list, add, edit, disable, delete an unused unit; audited; bad input refused
with a message beside its field and nothing changed; admins only; CSRF."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog import units
from catalog.models import Unit, UnitKind
from marketplace.admin.models import AuditEntry
from tests.catalog.catalog_helpers import variant_row


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


def unit_row(db, code: str) -> Unit | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def audit(db) -> list[tuple[str, str]]:
    return [(e.action, e.object_type) for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


NEW = {"code": "篓", "name": "篓", "name_en": "creel", "kind": "package", "factor": "", "aliases": "lou, 竹篓",
       "sort_order": ""}


def test_admin_adds_edits_disables_enables_and_deletes_a_unit(db, client, login, admin):
    login(admin)
    page = client.get("/admin/units")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "筐" in html and "500 克" in html and 'href="/admin/units"' in html  # the list, 斤's factor, the nav
    made = client.post("/admin/units", data=NEW)
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    unit = unit_row(db, "篓")
    assert (unit.kind, unit.factor, unit.aliases, unit.active) == (UnitKind.PACKAGE, None, ["lou", "竹篓"], True)
    assert units.normalise_unit("LOU") == "篓"  # offered at once, by alias too
    edited = client.post(f"/admin/units/{unit.id}", data={**NEW, "name_en": "bamboo creel", "kind": "weight",
                                                          "factor": "2500", "sort_order": "5"})
    assert edited.status_code == 302
    unit = unit_row(db, "篓")
    assert (unit.name_en, unit.kind, unit.factor, unit.sort_order) == ("bamboo creel", UnitKind.WEIGHT, 2500, 5)
    assert units.grams_per_unit("篓", None) == 2500
    assert client.post(f"/admin/units/{unit.id}/deactivate").status_code == 302
    assert unit_row(db, "篓").active is False and units.normalise_unit("篓") is None
    assert client.post(f"/admin/units/{unit.id}/activate").status_code == 302
    assert unit_row(db, "篓").active is True
    assert client.post(f"/admin/units/{unit.id}/delete").status_code == 302
    assert unit_row(db, "篓") is None and units.resolve("篓") is None
    assert audit(db) == [("unit.add", "unit"), ("unit.edit", "unit"), ("unit.deactivate", "unit"),
                         ("unit.activate", "unit"), ("unit.delete", "unit")]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "unit.edit"))
    assert entry.before["name_en"] == "creel" and entry.after["name_en"] == "bamboo creel"


def test_the_english_admin_page(db, client, login, admin):
    login(admin)
    client.post("/language", data={"locale": "en"})
    html = client.get("/admin/units").get_data(as_text=True)
    assert "Units" in html and "Package" in html and "500 g" in html and "Add a unit" in html
    assert ">package<" not in html and ">weight<" not in html  # the kind's label, never its raw value


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": ""}, "code", "请填写单位代码"),
    ({"code": "筐 子"}, "code", "只能用文字"),
    ({"code": "a\tb"}, "code", "只能用文字"),
    ({"code": "x" * 11}, "code", "最长 10 个字"),
    ({"code": "筐"}, "code", "已是单位“筐”的代码或别名"),
    ({"code": "KG"}, "code", "已是单位“kg”的代码或别名"),  # any case
    ({"code": "ｔ"}, "code", "已是单位“吨”的代码或别名"),  # a full-width alias of 吨
    ({"aliases": "pcs"}, "aliases", "已是单位“个”的代码或别名"),
    ({"aliases": "斤"}, "aliases", "已是单位“斤”的代码或别名"),
    ({"aliases": "a<b"}, "aliases", "只能用文字"),
    ({"aliases": " ".join(f"a{i}" for i in range(21))}, "aliases", "最多 20 个"),
    ({"name": ""}, "name", "请填写名称"),
    ({"name": "篓\n子"}, "name", "只能写一行"),
    ({"name_en": "creel\r\nBcc: x"}, "name_en", "只能写一行"),
    ({"name_en": "c" * 41}, "name_en", "不能超过 40"),
    ({"kind": ""}, "kind", "请选择单位类别"),
    ({"kind": "area"}, "kind", "请选择单位类别"),
    ({"kind": "weight", "factor": ""}, "factor", "请填写换算数"),
    ({"kind": "weight", "factor": "-500"}, "factor", "1 到 10000000"),
    ({"kind": "weight", "factor": "0"}, "factor", "1 到 10000000"),
    ({"kind": "weight", "factor": "10000001"}, "factor", "1 到 10000000"),
    ({"kind": "weight", "factor": "99999999999999999999"}, "factor", "1 到 10000000"),
    ({"kind": "volume", "factor": "1.5"}, "factor", "整数"),
    ({"kind": "package", "factor": "500"}, "factor", "没有固定换算"),
    ({"sort_order": "abc"}, "sort_order", "排序必须是整数"),
])
def test_bad_input_is_refused_beside_its_field_and_changes_nothing(db, client, login, admin, changes, field, message):
    login(admin)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Unit))
    response = client.post("/admin/units", data={**NEW, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html.split(f'id="{field}-error"')[1][:400]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == before
    assert audit(db) == []


def test_nul_in_a_field_is_refused_before_the_view(db, client, login, admin):
    login(admin)
    assert client.post("/admin/units", data={**NEW, "name": "篓\x00"}).status_code == 400
    assert unit_row(db, "篓") is None


def test_a_unit_in_use_keeps_its_kind_and_factor_and_cannot_be_deleted(db, client, login, admin, make_product):
    make_product(variants=[variant_row(unit="筐", tiers=())])
    login(admin)
    unit = unit_row(db, "筐")
    page = client.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert "类别和换算不能再改" in page
    list_html = client.get("/admin/units").get_data(as_text=True)
    assert f'/admin/units/{unit.id}/delete' not in list_html  # no delete button for a unit in use
    refused = client.post(f"/admin/units/{unit.id}", data={**NEW, "code": "筐", "kind": "weight", "factor": "20000"})
    assert refused.status_code == 422 and "类别和换算不能再改" in refused.get_data(as_text=True)
    names_only = client.post(f"/admin/units/{unit.id}", data={**NEW, "code": "筐", "name": "竹筐", "aliases": ""})
    assert names_only.status_code == 302 and unit_row(db, "筐").name == "竹筐"
    deleted = client.post(f"/admin/units/{unit.id}/delete", headers={"Referer": "http://localhost/admin/units"})
    assert deleted.status_code == 302 and unit_row(db, "筐") is not None
    assert "已被使用，不能删除，只能停用" in client.get("/admin/units").get_data(as_text=True)
    with pytest.raises(units.UnitError, match="只能停用"):
        units.delete_unit(unit_row(db, "筐"), None)


def test_unit_pages_are_for_admins_only(db, client, login, make_user, owner):
    unit = unit_row(db, "斤")
    for user in (None, make_user(), owner):
        if user is not None:  # anonymous first, then each user in turn
            login(user)
        for method, path, data in (("get", "/admin/units", None), ("post", "/admin/units", NEW),
                                   ("get", f"/admin/units/{unit.id}", None),
                                   ("post", f"/admin/units/{unit.id}", {**NEW, "name": "x"}),
                                   ("post", f"/admin/units/{unit.id}/deactivate", None),
                                   ("post", f"/admin/units/{unit.id}/delete", None)):
            response = getattr(client, method)(path, data=data)
            assert response.status_code in ((302, 401) if user is None else (403,)), (user, path)
    assert unit_row(db, "斤").active is True and unit_row(db, "斤").name == "斤" and unit_row(db, "篓") is None


def test_a_missing_unit_is_404(db, client, login, admin):
    login(admin)
    assert client.get("/admin/units/999999").status_code == 404
    assert client.post("/admin/units/999999/delete").status_code == 404


def test_forms_need_the_csrf_token(csrf_app, db, make_user):
    from tests.conftest import csrf_token_from

    admin = make_user(roles=("admin",))
    client = csrf_app.test_client()
    page = client.get("/account/login").get_data(as_text=True)
    client.post("/account/login", data={"email": admin.email, "password": "correct horse 42",
                                        "csrf_token": csrf_token_from(page)})
    html = client.get("/admin/units").get_data(as_text=True)
    assert client.post("/admin/units", data=NEW).status_code == 400
    assert unit_row(db, "篓") is None
    unit = unit_row(db, "斤")
    assert client.post(f"/admin/units/{unit.id}/deactivate").status_code == 400
    assert unit_row(db, "斤").active is True
    made = client.post("/admin/units", data={**NEW, "csrf_token": csrf_token_from(html)})
    assert made.status_code == 302 and unit_row(db, "篓") is not None


def test_default_units_load_is_idempotent_and_keeps_the_admins_edits(db, app):
    row, gone = unit_row(db, "筐"), unit_row(db, "担")
    row.name_en = "crate"
    db.session.delete(gone)
    db.session.commit()
    assert units.load_default_units() == 1
    assert unit_row(db, "筐").name_en == "crate" and unit_row(db, "担").factor == 50_000
    assert units.load_default_units() == 0
    result = app.test_cli_runner().invoke(args=["catalog", "load-units"])
    assert result.exit_code == 0 and "0 units added" in result.output
