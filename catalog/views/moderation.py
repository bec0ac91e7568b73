"""Admin pages of listing moderation: the product list with its filters, a product's page (the listing,
its status history and its reports) and the verbs: hide, restore, approve, reject, close a report.

Admin-only (403 for others); an unknown id is a 404. Routes parse the input and call
catalog.services.moderation; a refusal comes back as a flash message on the product's page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from catalog import bp, moderation_queries
from catalog.categories import all_categories
from catalog.models import Category, ProductReport, ReportStatus
from catalog.services import STATUS_LABELS
from catalog.services import moderation as mod
from marketplace.accounts.policy import admin_required
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.states import InvalidTransition
from marketplace.web import paginate

PER_PAGE = 30
STATUS_FILTER_LABELS = {"on_sale": _l("在售"), "off_shelf": _l("草稿或已下架"), "pending": _l("待审核"),
                        "blocked": _l("已被平台下架"), "rejected": _l("审核未通过")}
#: The admin's verbs on a product: (service, success message).
PRODUCT_ACTIONS = {
    "hide": (mod.hide_product, _l("商品已下架，店主会收到通知。")),
    "restore": (mod.restore_product, _l("商品已恢复，店主会收到通知。")),
    "approve": (mod.approve_product, _l("已审核通过，商品已上架，店主会收到通知。")),
    "reject": (mod.reject_product, _l("已驳回，店主会收到通知。")),
}


@bp.context_processor
def _moderation_labels():
    return {"product_status_labels": STATUS_LABELS, "report_reason_labels": mod.REPORT_REASON_LABELS,
            "report_status_labels": mod.REPORT_STATUS_LABELS}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/admin/products")
@admin_required
def admin_products():
    shop_id = _int_arg("shop")
    category_id = _int_arg("category")
    category = db.session.get(Category, category_id) if category_id else None
    status = request.args.get("status", "")
    status = status if status in moderation_queries.STATUS_FILTERS else ""
    reported = request.args.get("reported") == "1"
    q = request.args.get("q", "").strip()[:60]
    stmt = moderation_queries.admin_products(shop_id=shop_id, category=category, status=status or None,
                                             reported=reported, q=q)
    page = paginate(stmt, per_page=PER_PAGE)
    reports = moderation_queries.open_report_counts([p.id for p in page.items])
    categories = all_categories(False)
    return render_template("catalog/admin/products.html", page=page, reports=reports, shop_id=shop_id,
                           category_id=category.id if category else None, status=status, reported=reported, q=q,
                           shops=moderation_queries.shops_with_products(), categories=categories,
                           category_paths=_localized_paths(categories),
                           status_filters=STATUS_FILTER_LABELS, counts=moderation_queries.queue_counts())


def _localized_paths(categories: list[Category]) -> dict[int, str]:
    """Each category's path in the admin's language (农产品/水果, Farm produce/Fruit)."""
    from marketplace.i18n import current_locale_code

    locale = current_locale_code()
    by_id = {c.id: c for c in categories}
    paths: dict[int, str] = {}
    for cat in categories:
        names, node, seen = [], cat, 0
        while node is not None and seen < 10:
            names.append(node.localized_name(locale))
            node, seen = by_id.get(node.parent_id), seen + 1
        paths[cat.id] = "/".join(reversed(names))
    return paths


def _product_or_404(product_id: int):
    product = moderation_queries.product_for_admin(product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/admin/products/<int:product_id>")
@admin_required
def admin_product(product_id: int):
    product = _product_or_404(product_id)
    from catalog.queries import photos

    return render_template("catalog/admin/product.html", product=product, photos=photos(product),
                           history=moderation_queries.history_of(product),
                           reports=moderation_queries.reports_of(product),
                           restore_to=mod.status_before_block(product) if product.status == "blocked" else None)


def _refused(exc: DomainError) -> None:
    if isinstance(exc, InvalidTransition):
        flash(_("商品当前状态为“%(state)s”，不能执行这个操作。页面已刷新为最新状态。",
                state=STATUS_LABELS.get(exc.current, exc.current.value)), "error")
    else:
        flash(exc.message, "error")


@bp.post("/admin/products/<int:product_id>/<any(hide, restore, approve, reject):action>")
@admin_required
def admin_product_action(product_id: int, action: str):
    product = _product_or_404(product_id)
    verb, done = PRODUCT_ACTIONS[action]
    try:
        verb(product, current_user, request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        _refused(exc)
    else:
        flash(str(done), "success")
    return redirect(url_for("catalog.admin_product", product_id=product_id))


@bp.post("/admin/reports/<int:report_id>/<any(dismiss, hide):action>")
@admin_required
def admin_report_action(report_id: int, action: str):
    report = db.get_or_404(ProductReport, report_id)
    product_id = report.product_id
    try:
        if action == "dismiss":
            if report.status != ReportStatus.OPEN:
                raise InvalidTransition(mod.REPORT_STATUS, ReportStatus(report.status), ReportStatus.DISMISSED)
            mod.dismiss_report(report, current_user, request.form.get("note", ""))
            flash(_("举报已驳回。"), "success")
        else:
            mod.hide_for_report(report, current_user, request.form.get("reason", ""))
            flash(_("商品已下架，相关举报已处理，店主会收到通知。"), "success")
    except InvalidTransition:
        db.session.rollback()
        flash(_("这条举报已经处理过了。页面已刷新为最新状态。"), "error")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("catalog.admin_product", product_id=product_id) + "#reports")
