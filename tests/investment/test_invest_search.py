"""The library's search and filters (the search package: Chinese, pinyin, initials) and the JSON API."""

from __future__ import annotations

import re

import pytest
from invest_helpers import county

from investment import search as project_search
from investment.models import ProjectStatus
from investment.search import LibraryQuery
from investment.services import projects as project_services
from investment.vocab import WAN
from tests.catalog.search_fixtures import BACKENDS


@pytest.fixture(params=BACKENDS)
def app_config(app_config, request):
    app_config["SEARCH_BACKEND"] = request.param
    return app_config


@pytest.fixture
def library(make_project):
    """Four published projects and one draft, across counties, sectors, sizes, modes and land."""
    return {
        "chili": make_project(title="柘城县辣椒深加工产业园项目", sector="agri-processing", county="柘城县",
                              total_investment_cents=50_000 * WAN, sought_cents=35_000 * WAN, mode="joint_venture",
                              land_status="ready"),
        "alu": make_project(title="永城市高端铝型材生产线", sector="new-materials", county="永城市",
                            total_investment_cents=120_000 * WAN, sought_cents=80_000 * WAN, mode="sole",
                            land_status="ready"),
        "cold": make_project(title="农产品批发市场冷链物流园", sector="logistics", county="梁园区",
                             total_investment_cents=8_000 * WAN, sought_cents=6_000 * WAN, mode="cooperation",
                             land_status="planned"),
        "wine": make_project(title="民权葡萄酒文化旅游小镇", sector="cultural-tourism", county="民权县",
                             total_investment_cents=3_000 * WAN, sought_cents=3_000 * WAN, mode="ppp",
                             land_status="none"),
        "draft": make_project(ProjectStatus.DRAFT, title="辣椒酱厂草稿", county="柘城县"),
    }


def titles(client, **args) -> list[str]:
    body = client.get("/invest", query_string=args).get_data(as_text=True)
    return re.findall(r'<h3><a href="/invest/projects/\d+">(.*?)</a></h3>', body)


def plain(html: str) -> str:
    return re.sub(r"</?mark>", "", html)


@pytest.mark.parametrize(("text", "expected"), [
    ("辣椒", "chili"),
    ("lajiao", "chili"),
    ("LaJiao", "chili"),
    ("lvxingcai", "alu"),
    ("铝型材", "alu"),
    ("lengl", "cold"),
    ("putaojiu", "wine"),
    ("葡萄酒", "wine"),
])
def test_chinese_pinyin_and_initials_find_the_project(client, library, text, expected):
    found = [plain(t) for t in titles(client, q=text)]
    assert library[expected].title in found, (text, found)
    assert "辣椒酱厂草稿" not in found  # drafts are never in the library


def ids(text: str) -> list[int]:
    return [p.id for p in project_search.find_projects(LibraryQuery(text=text)).projects]


@pytest.mark.parametrize("text", ["lj", "sjg", "zcx", "lj sjg"])  # 辣椒, 深加工, 柘城县: each word's initials
def test_initials(app, library, text):
    assert ids(text) == [library["chili"].id]


def test_initials_of_a_phrase_in_the_engine(app, library):
    assert ids("ljsjg") == [library["chili"].id]


@pytest.mark.parametrize(("args", "expected"), [
    ({"sector": "new-materials"}, {"alu"}),
    ({"county": "411424"}, {"chili"}),
    ({"mode": "ppp"}, {"wine"}),
    ({"land": "1"}, {"chili", "alu"}),
    ({"bracket": "lt50m"}, {"wine"}),
    ({"bracket": "50m-100m"}, {"cold"}),
    ({"bracket": "ge1b"}, {"alu"}),
    ({"bracket": "500m-1b"}, {"chili"}),
    ({"bracket": "100m-500m"}, set()),
    ({"sector": "food"}, set()),
    ({"sector": "no-such-sector"}, {"chili", "alu", "cold", "wine"}),  # unknown values are ignored
    ({"q": "lajiao", "county": "411481"}, set()),
])
def test_filters(client, library, args, expected):
    assert {plain(t) for t in titles(client, **args)} == {library[k].title for k in expected}


def test_sort_by_size_and_newest(client, library):
    by_size = titles(client, sort="size")
    assert by_size == [library[k].title for k in ("alu", "chili", "cold", "wine")]
    newest = titles(client, sort="newest")
    assert newest == [library[k].title for k in ("wine", "cold", "alu", "chili")]


def test_facet_counts(app, library):
    result = project_search.find_projects(LibraryQuery())
    facets = {name: dict(pairs) for name, pairs in result.facets.items()}
    assert facets["sector"] == {"agri-processing": 1, "new-materials": 1, "logistics": 1, "cultural-tourism": 1}
    assert facets["land"] == {"available": 2, "none": 2}
    assert facets["county"][county("柘城县").code] == 1
    filtered = project_search.find_projects(LibraryQuery(land=True))
    assert dict(filtered.facets["county"]) == {county("柘城县").code: 1, county("永城市").code: 1}


def test_facets_appear_in_the_page(client, library):
    body = client.get("/invest").get_data(as_text=True)
    assert "有地可供 (2)" in body and "共 4 个项目" in body


def test_pagination(client, make_project, regions):
    for i in range(14):
        make_project(title=f"分页项目{i:02d}")
    body = client.get("/invest").get_data(as_text=True)
    assert "共 14 个项目" in body and 'rel="next"' in body
    assert len(titles(client, page=2)) == 2
    assert client.get("/invest", query_string={"page": "abc"}).status_code == 200


def test_withdrawn_and_edited_projects_leave_the_index(client, db, library, officer, reviewer):
    chili = library["chili"]
    project_services.set_status(officer, chili, ProjectStatus.DRAFT, reason="修改投资额")
    db.session.commit()
    assert chili.title not in [plain(t) for t in titles(client, q="lajiao")]
    project_services.set_status(officer, chili, ProjectStatus.IN_REVIEW)
    project_services.set_status(reviewer, chili, ProjectStatus.PUBLISHED)
    db.session.commit()
    assert chili.title in [plain(t) for t in titles(client, q="lajiao")]
    project_services.set_status(officer, chili, ProjectStatus.WITHDRAWN)
    db.session.commit()
    assert titles(client, q="lajiao") == []


@pytest.mark.parametrize("text", ['"', "((", "*", "a" * 500, "<script>alert(1)</script>", "OR AND NOT", "%_%"])
def test_hostile_queries_do_not_break_the_page(client, library, text):
    response = client.get("/invest", query_string={"q": text})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_api_list_and_detail(client, library):
    data = client.get("/api/v1/projects", query_string={"q": "lajiao"}).get_json()
    assert data["total"] == 1 and data["items"][0]["title"] == library["chili"].title
    assert data["items"][0]["total_investment_cents"] == 50_000 * WAN
    data = client.get("/api/v1/projects", query_string={"land": "1", "sort": "size"}).get_json()
    assert [i["id"] for i in data["items"]] == [library["alu"].id, library["chili"].id]
    assert {f["value"]: f["count"] for f in data["facets"]["land"]} == {"available": 2}
    detail = client.get(f"/api/v1/projects/{library['wine'].id}").get_json()
    assert detail["mode"]["code"] == "ppp" and detail["contact"]["name"] == "王**"
    assert client.get(f"/api/v1/projects/{library['draft'].id}").status_code == 404
    assert client.get("/api/v1/projects/999999").get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/projects", query_string={"per_page": "x"}).status_code == 400


def test_highlighted_titles_stay_escaped(client, make_project, regions):
    make_project(title="<b>辣椒</b><script>alert(1)</script>酱厂")
    body = client.get("/invest", query_string={"q": "辣椒"}).get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<b>" not in body
    assert "&lt;b&gt;" in body and "<mark>" in body


def test_index_and_database_agree(app, db, library):
    """`flask search check` finds the projects index in sync (same documents from a fresh load)."""
    from search.backend import current_backend

    db.session.expire_all()
    report = current_backend().check("projects")
    assert report.ok, (report.missing, report.stale, report.extra)
