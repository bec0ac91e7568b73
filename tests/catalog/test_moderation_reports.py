"""Buyers report listings: a reason from the list and optional words, one open report per buyer and
product, rate-limited, clean text only; the admin dismisses a report or hides the product, which
closes every open report of it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalog.models import Product, ProductReport, ProductStatus, ReportStatus
from catalog.services import moderation as mod
from marketplace.admin.models import AuditEntry

S = ProductStatus


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",))


@pytest.fixture
def buyer(make_user):
    return make_user(name="李买家")


def reports(db) -> list[ProductReport]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ProductReport).order_by(ProductReport.id)))


def test_buyer_reports_from_the_product_page_once(db, client, login, buyer, make_product):
    product = make_product(title="仿冒名酒")
    login(buyer)
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "举报这个商品" in page and 'value="counterfeit"' in page and "假冒伪劣" in page
    sent = client.post(f"/p/{product.id}/report", data={"reason": "counterfeit", "text": "瓶身标签和正品不同"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/p/{product.id}#report")
    [report] = reports(db)
    assert (report.reporter_id, report.reason, report.text, report.status, report.is_open) == (
        buyer.id, "counterfeit", "瓶身标签和正品不同", ReportStatus.OPEN, True)
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "您已举报过这个商品" in page and "举报这个商品" not in page
    # a double submit changes nothing
    again = client.post(f"/p/{product.id}/report", data={"reason": "other", "text": "再说一次"})
    assert again.status_code == 303
    assert [(r.reason, r.text) for r in reports(db)] == [("counterfeit", "瓶身标签和正品不同")]


@pytest.mark.parametrize(("data", "field"), [
    ({"reason": ""}, "reason"), ({"reason": "nonsense"}, "reason"), ({"reason": "other", "text": "长" * 501}, "text"),
])
def test_bad_reports_are_refused_with_a_message(db, client, login, buyer, make_product, data, field):
    product = make_product()
    login(buyer)
    sent = client.post(f"/p/{product.id}/report", data=data, follow_redirects=True)
    assert sent.status_code == 200
    assert ("请选择举报原因" if field == "reason" else "不能超过 500 个字") in sent.get_data(as_text=True)
    assert reports(db) == []


def test_control_characters_are_refused(db, client, login, buyer, make_product):
    product = make_product()
    with pytest.raises(mod.ModerationError) as info:
        mod.report_product(product, buyer, "other", "看\x1b[31m这里")
    assert info.value.field == "text"
    login(buyer)
    # NUL never reaches a view (marketplace.input refuses the request); the rest is stripped there
    assert client.post(f"/p/{product.id}/report", data={"reason": "other", "text": "a\x00b"}).status_code == 400
    assert reports(db) == []


def test_english_buyer_reads_english(db, client, login, make_user, make_product):
    product = make_product()
    login(make_user(locale="en"))
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "Report this product" in page and "Counterfeit or fake" in page
    done = client.post(f"/p/{product.id}/report", data={"reason": ""}, follow_redirects=True)
    assert "Please choose why you report it" in done.get_data(as_text=True)


def test_who_may_report_what(db, client, login, buyer, owner, admin, make_product):
    product = make_product()
    assert client.post(f"/p/{product.id}/report", data={"reason": "other"}).status_code == 302  # to login
    login(owner)
    assert "举报这个商品" not in client.get(f"/p/{product.id}").get_data(as_text=True)
    with pytest.raises(mod.ModerationError) as info:
        mod.report_product(product, owner, "other")
    assert info.value.status == 403
    client.post("/account/logout")
    login(buyer)
    assert client.post("/p/999999/report", data={"reason": "other"}).status_code == 404
    draft = make_product(status=S.DRAFT)
    assert client.post(f"/p/{draft.id}/report", data={"reason": "other"}).status_code == 404
    assert reports(db) == []


def test_reports_are_rate_limited(app, db, client, login, make_user, make_product):
    app.config["CATALOG_REPORT_RATELIMIT"] = "2 per minute"
    products = [make_product() for _n in range(3)]
    login(make_user())
    codes = [client.post(f"/p/{p.id}/report", data={"reason": "other"}).status_code for p in products]
    assert codes == [303, 303, 429] and len(reports(db)) == 2


def test_admin_dismisses_a_report(db, client, login, admin, buyer, make_product):
    product = make_product()
    report, _new = mod.report_product(product, buyer, "wrong_category")
    login(admin)
    html = client.get("/admin/products?reported=1").get_data(as_text=True)
    assert product.title in html and "1 条待处理" in html
    client.post(f"/admin/reports/{report.id}/dismiss", data={"note": "分类无误"})
    [closed] = reports(db)
    assert (closed.status, closed.is_open, closed.resolved_by_id, closed.resolution_note) == (
        ReportStatus.DISMISSED, None, admin.id, "分类无误")
    assert db.session.get(Product, product.id).status == S.PUBLISHED
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_type == "product_report")) \
        == "product_report.dismiss"
    assert product.title not in client.get("/admin/products?reported=1").get_data(as_text=True)
    # closed once: a second close changes nothing
    client.post(f"/admin/reports/{report.id}/dismiss", data={"note": "again"})
    assert reports(db)[0].resolution_note == "分类无误"
    # the buyer may report it again now that his report is closed
    again, new = mod.report_product(db.session.get(Product, product.id), buyer, "other")
    assert new and again.id != report.id


def test_hiding_from_a_report_closes_every_open_report(db, client, login, admin, buyer, make_user, make_product):
    product = make_product()
    first, _ = mod.report_product(product, buyer, "prohibited", "烟花爆竹")
    second, _ = mod.report_product(product, make_user(), "counterfeit")
    login(admin)
    empty = client.post(f"/admin/reports/{first.id}/hide", data={"reason": ""}, follow_redirects=True)
    assert "请填写原因" in empty.get_data(as_text=True)
    assert db.session.get(Product, product.id).status == S.PUBLISHED
    client.post(f"/admin/reports/{first.id}/hide", data={"reason": "违禁品：烟花爆竹"})
    assert db.session.get(Product, product.id).status == S.BLOCKED
    assert [(r.status, r.is_open, r.resolution_note) for r in reports(db)] == [
        (ReportStatus.ACTIONED, None, "违禁品：烟花爆竹")] * 2
    # a closed report cannot be acted on again
    client.post(f"/admin/reports/{second.id}/hide", data={"reason": "x"})
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "product.hide")) == 1


def test_reports_are_admin_only(db, client, login, buyer, make_product):
    product = make_product()
    report, _ = mod.report_product(product, buyer, "other")
    login(buyer)
    assert client.post(f"/admin/reports/{report.id}/dismiss").status_code == 403
    assert client.post(f"/admin/reports/{report.id}/hide", data={"reason": "x"}).status_code == 403
    assert reports(db)[0].status == ReportStatus.OPEN


def test_reports_are_in_the_buyers_privacy_export(app, buyer, make_product):
    from catalog.privacy import erase_reports, export_reports
    from marketplace.privacy.registry import Erasure

    product = make_product()
    mod.report_product(product, buyer, "misleading", "价格不实")
    [row] = export_reports(buyer, 100)
    assert (row["product_id"], row["reason"], row["text"]) == (product.id, "misleading", "价格不实")
    erase_reports(Erasure(user=buyer, actor=buyer))
    assert export_reports(buyer, 100)[0]["text"] == ""


def test_the_database_keeps_one_open_report_per_buyer_and_product(db, buyer, make_product):
    """What a double submit racing past the service's check meets: the unique constraint (closed
    reports, whose is_open is NULL, never clash)."""
    product = make_product()
    for _n in range(2):
        db.session.add(ProductReport(product_id=product.id, reporter_id=buyer.id, reason="other", text="",
                                     status=ReportStatus.DISMISSED, is_open=None))
    db.session.add(ProductReport(product_id=product.id, reporter_id=buyer.id, reason="other", text="",
                                 status=ReportStatus.OPEN, is_open=True))
    db.session.commit()
    db.session.add(ProductReport(product_id=product.id, reporter_id=buyer.id, reason="counterfeit", text="",
                                 status=ReportStatus.OPEN, is_open=True))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(reports(db)) == 3



def test_the_reporters_are_told_what_became_of_their_reports(db, client, login, admin, buyer, make_user, make_product):
    """In the centre only by default (catalog.report): dismissed, or acted on for every reporter."""
    from marketplace.mail.models import OutboxMessage
    from marketplace.notifications.models import Notification

    def notes(user):
        return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)).all()

    product = make_product(title="烟花礼盒")
    report, _new = mod.report_product(product, buyer, "wrong_category")
    mod.dismiss_report(report, admin, "分类无误")
    [dismissed] = notes(buyer)
    assert dismissed.type_key == "catalog.report" and (dismissed.subject_kind, dismissed.subject_id) == (
        "product", product.id)
    english = make_user(locale="en")
    gone = make_user()
    mod.report_product(product, buyer, "prohibited")
    mod.report_product(product, english, "prohibited")
    mod.report_product(product, gone, "prohibited")
    gone.active = False
    db.session.commit()
    mod.hide_product(product, admin, "违禁品")
    assert len(notes(buyer)) == 2 and len(notes(english)) == 1 and notes(gone) == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.to_addr.in_([buyer.email, english.email]))) == 0  # in-app only unless asked
    login(english)
    page = client.get("/notifications").get_data(as_text=True)
    assert "烟花礼盒" in page and "handled: the product was taken down" in page
    client.post("/account/logout")
    login(buyer)
    page = client.get("/notifications").get_data(as_text=True)
    assert "经核查未发现问题" in page and "已处理，商品已下架" in page
