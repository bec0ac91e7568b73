"""The synonym admin pages (/admin/search/synonyms) and ``flask search synonyms load-defaults``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.admin.models import AuditEntry
from search.synonyms import SearchSynonym
from tests.catalog import search_fixtures

add_product, catalogue, shops = search_fixtures.add_product, search_fixtures.catalogue, search_fixtures.shops
search_ids = search_fixtures.search_ids
URL = "/admin/search/synonyms"


@pytest.fixture
def admin(make_user, login):
    user = make_user(roles=["admin"])
    login(user)
    return user


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchSynonym))


def test_only_admins_see_the_pages(client, make_user, login, db):
    assert client.get(URL).status_code in (302, 303)  # visitors are sent to log in
    login(make_user(roles=["officer"]))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"terms": "土豆 马铃薯", "kind": "two_way"}).status_code == 403
    assert _count(db) == 0


def test_adding_a_group_finds_it_at_once_without_a_rebuild(catalogue, client, admin, db):
    assert catalogue["tape"].id not in search_ids("量尺")  # and this process now holds the table
    response = client.post(URL, data={"terms": "卷尺, 量尺", "kind": "two_way"})
    assert response.status_code in (302, 303)
    assert catalogue["tape"].id in search_ids("量尺")
    html = client.get(URL).get_data(as_text=True)
    assert "卷尺 = 量尺" in html and "双向（互为同义词）" in html and "two_way" not in html.split("<table")[1]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "search.synonym_add"))
    assert entry.actor_id == admin.id and entry.after == {"terms": "卷尺, 量尺", "one_way": False}


def test_one_way_groups_are_labelled_and_work_one_way(catalogue, client, admin):
    client.post(URL, data={"terms": "量具 > 卷尺", "kind": "one_way"})
    html = client.get(URL).get_data(as_text=True)
    assert "量具 &gt; 卷尺" in html and "单向（第一个词包含其余的词）" in html
    assert catalogue["tape"].id in search_ids("量具")


@pytest.mark.parametrize(("terms", "message"), [
    ("", "请填写同义词"),
    ("   ", "请填写同义词"),
    ("土豆", "至少要有两个词"),
    ("土豆, 马铃薯, 土豆", "出现了两次：土豆"),
    ("土豆, 马铃\x00薯", "不允许的控制字符"),  # NUL: refused by the request's own check (400) first
    ("土豆, 马铃\u200b薯", "控制字符"),
    ("土豆, " + "马" * 21, "最多 20 个字"),
    ("土豆, 马铃薯!", "最多 20 个字"),
    (", ".join(f"词{i}" for i in range(31)), "最多 30 个词"),
    ("土豆, " + "马铃薯 " * 200, "内容太长"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, admin, db, terms, message):
    response = client.post(URL, data={"terms": terms, "kind": "two_way"})
    assert response.status_code == (400 if "\x00" in terms else 422)
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_the_same_group_twice_is_refused(client, admin, db):
    client.post(URL, data={"terms": "土豆 马铃薯", "kind": "two_way"})
    response = client.post(URL, data={"terms": "土豆, 马铃薯", "kind": "two_way"})
    assert response.status_code == 422 and "完全相同" in response.get_data(as_text=True)
    assert _count(db) == 1


def test_edit_and_delete_with_confirmation(catalogue, client, admin, db):
    client.post(URL, data={"terms": "卷尺, 量尺", "kind": "two_way"})
    row = db.session.scalar(sa.select(SearchSynonym))
    page = client.get(f"{URL}/{row.id}").get_data(as_text=True)
    assert "卷尺, 量尺" in page
    bad = client.post(f"{URL}/{row.id}", data={"terms": "卷尺", "kind": "two_way"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(SearchSynonym, row.id).terms == "卷尺, 量尺"
    assert client.post(f"{URL}/{row.id}", data={"terms": "卷尺, 米尺", "kind": "two_way"}).status_code in (302, 303)
    assert catalogue["tape"].id in search_ids("米尺")
    assert catalogue["tape"].id not in search_ids("量尺")
    confirm = client.get(f"{URL}/{row.id}/delete")
    assert confirm.status_code == 200 and "确认删除" in confirm.get_data(as_text=True)
    assert _count(db) == 1  # asking changes nothing
    assert client.post(f"{URL}/{row.id}/delete").status_code in (302, 303)
    assert _count(db) == 0
    assert catalogue["tape"].id not in search_ids("米尺")
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["search.synonym_add", "search.synonym_edit", "search.synonym_delete"]
    assert client.get(f"{URL}/{row.id}").status_code == 404
    assert client.post(f"{URL}/{row.id}/delete").status_code == 404


def test_the_list_is_paginated(client, admin, db):
    from search.synonyms import add_group

    for i in range(55):
        add_group(f"词{i}a, 词{i}b")
    first = client.get(URL).get_data(as_text=True)
    assert "词0a = 词0b" in first and "词54a" not in first and "下一页" in first
    assert "词54a = 词54b" in client.get(URL + "?page=2").get_data(as_text=True)


def test_load_defaults_is_idempotent_and_says_what_it_added(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["search", "synonyms", "load-defaults"])
    assert first.exit_code == 0, first.output
    assert "added: 土豆 = 马铃薯 = 洋芋" in first.output
    count = _count(db)
    assert count > 40 and f"{count} synonym groups added" in first.output
    again = runner.invoke(args=["search", "synonyms", "load-defaults"])
    assert again.exit_code == 0 and "0 synonym groups added" in again.output and "added:" not in again.output
    assert _count(db) == count
