"""View counting (no bots, no reloads) and CSV export safety."""

from __future__ import annotations

import csv
import io

import pytest

from investment.models import ProjectStatus
from marketplace.exports import neutralise

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
OTHER_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def view(client, project, ua=BROWSER, ip="203.0.113.7"):
    return client.get(f"/invest/projects/{project.id}", headers={"User-Agent": ua},
                      environ_overrides={"REMOTE_ADDR": ip})


def test_reloads_count_once(client, db, make_project):
    project = make_project()
    for _ in range(5):
        assert view(client, project).status_code == 200
    db.session.refresh(project)
    assert project.view_count == 1


def test_different_visitors_count(client, db, make_project):
    project = make_project()
    view(client, project)
    view(client, project, ua=OTHER_BROWSER)
    view(client, project, ip="198.51.100.9")
    view(client, project, ip="198.51.100.9")
    db.session.refresh(project)
    assert project.view_count == 3


@pytest.mark.parametrize("ua", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "curl/8.5.0", "python-requests/2.32", "Wget/1.21", "", "Mozilla/5.0 (compatible; bingbot/2.0)",
])
def test_bots_are_not_counted(client, db, make_project, ua):
    project = make_project()
    assert view(client, project, ua=ua).status_code == 200
    db.session.refresh(project)
    assert project.view_count == 0


def test_signed_in_user_counts_once_across_addresses(client, db, login, buyer, make_project):
    project = make_project()
    login(buyer)
    view(client, project, ip="203.0.113.1")
    view(client, project, ip="203.0.113.2", ua=OTHER_BROWSER)
    db.session.refresh(project)
    assert project.view_count == 1


def test_office_previews_are_not_counted(client, db, login, officer, make_project):
    project = make_project()
    login(officer)
    view(client, project)
    db.session.refresh(project)
    assert project.view_count == 0


def test_views_store_no_ip(client, db, make_project):
    from investment.models import ProjectView

    project = make_project()
    view(client, project, ip="203.0.113.77")
    [row] = db.session.scalars(db.select(ProjectView))
    assert "203.0.113.77" not in row.visitor_hash and len(row.visitor_hash) == 64


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+86 370 1234", "'+86 370 1234"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("辣椒", "辣椒"),
    ("a=b", "a=b"),
    (None, ""),
    (12, "12"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_projects_csv_is_safe(client, login, officer, make_project):
    make_project(title="=cmd|' /C calc'!A0", contact_name="@SUM(1+1)", park="+园区")
    make_project(ProjectStatus.DRAFT, title="普通项目")
    login(officer)
    response = client.get("/invest/office/projects.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = read_csv(response)
    assert rows[0][0] == "编号" and len(rows) == 3
    cells = [c for row in rows[1:] for c in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1+1)" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "普通项目" in cells


def test_leads_csv_is_safe(client, login, officer, make_inquiry):
    make_inquiry(name="-1+1", company="=1+2", phone="+8613900000000", message="@evil\nsecond line")
    login(officer)
    rows = read_csv(client.get("/invest/office/leads.csv"))
    cells = [c for row in rows[1:] for c in row]
    assert {"'-1+1", "'=1+2", "'+8613900000000", "'@evil\nsecond line"} <= set(cells)
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_expired_offer_is_marked(client, make_project):
    import datetime as dt

    old = make_project(valid_until=dt.date(2020, 1, 1))
    current = make_project(valid_until=dt.date.today() + dt.timedelta(days=90))
    assert "已过有效期" in client.get(f"/invest/projects/{old.id}").get_data(as_text=True)
    assert "已过有效期" not in client.get(f"/invest/projects/{current.id}").get_data(as_text=True)


def test_pages_render_in_english(client, login, officer, make_project, make_inquiry):
    project = make_project(sector="new-materials")
    inquiry = make_inquiry(project)
    client.post("/language", data={"locale": "en", "next": "/"})
    body = client.get("/invest").get_data(as_text=True)
    assert '<html lang="en"' in body and "New materials / aluminium" in body
    assert "New materials / aluminium" in client.get(f"/invest/projects/{project.id}").get_data(as_text=True)
    login(officer)
    for path in ("/invest/office", f"/invest/office/projects/{project.id}", f"/invest/office/leads/{inquiry.id}",
                 "/invest/office/projects/new"):
        assert client.get(path).status_code == 200, path
