"""The food-safety regulator's pages (市场监管): read-only lists of shops, licences, batches and
recalls with search and CSV export, a shop's and a batch's full record (certificate, tests, chain,
who received it), the private files, and the power to recall (trace.views.recalls). Every page is
for FOOD_SAFETY_REGULATOR, platform-wide or scoped to regions (admins pass too), shows only the shops
located in his regions and their rows (another's is a 404), and writes one audit entry."""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from licences.labels import status_label as licence_status
from licences.labels import type_label
from licences.models import LicenceStatus, ShopLicence
from marketplace.exports import csv_response, local_time
from marketplace.extensions import db
from marketplace.media import private_image, read_or_404, resolve
from marketplace.pdf import pdf_headers
from marketplace.shops.labels import shop_status_label
from marketplace.shops.models import Shop
from marketplace.web import enum_arg, paginate
from trace import bp
from trace import regulator as reg
from trace.models import Allocation, AttachmentKind, Batch, BatchStatus, BatchTest
from trace.recall_models import RecallBatch
from trace.recalls import RECALL_MACHINE, descendants
from trace.status import status_label
from trace.transform import chain

PER_PAGE = 30


def regulator_required(fn):
    """The view needs a regulator grant, platform-wide or for a region (403 otherwise)."""
    @wraps(fn)
    @login_required
    def wrapper(*args, **kwargs):
        if not reg.is_regulator(current_user):
            abort(403)
        return fn(*args, **kwargs)

    return wrapper


def _scope() -> reg.Scope:
    return reg.scope_of(current_user)


def _shop_or_404(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not reg.covers_shop(current_user, shop):
        abort(404)
    return shop


def _batch_or_404(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None or not reg.covers_shop(current_user, batch.shop):
        abort(404)
    return batch


def _csv_wanted() -> bool:
    return request.args.get("format") == "csv"


@bp.get("/regulator")
@regulator_required
def regulator_home():
    reg.audit_view("overview")
    counts = reg.counts(_scope())
    areas = None if _scope() is None else reg.scoped_regions(current_user)
    return render_template("trace/regulator/home.html", counts=counts, areas=areas)


@bp.get("/regulator/shops")
@regulator_required
def regulator_shops():
    q = reg.search_text()
    reg.audit_view("shop", q=q, format=request.args.get("format"))
    stmt = reg.shops_query(q, _scope())
    if _csv_wanted():
        return csv_response("shops.csv", ["id", _("店铺"), _("统一社会信用代码"), _("状态"), _("地址"), _("电话")],
                            [[s.id, s.name, s.licence_number, shop_status_label(s.status), s.address, s.phone]
                             for s in reg.export_rows(stmt)])
    return render_template("trace/regulator/shops.html", page=paginate(stmt, per_page=PER_PAGE), q=q)


@bp.get("/regulator/shops/<int:shop_id>")
@regulator_required
def regulator_shop(shop_id: int):
    shop = _shop_or_404(shop_id)
    reg.audit_view("shop", shop.id)
    licences = db.session.scalars(sa.select(ShopLicence).where(ShopLicence.shop_id == shop.id)
                                  .order_by(ShopLicence.id.desc())).all()
    batches = db.session.scalars(reg.batches_query("", None, shop.id).limit(100)).all()
    return render_template("trace/regulator/shop.html", shop=shop, licences=licences, batches=batches)


@bp.get("/regulator/licences")
@regulator_required
def regulator_licences():
    q, status = reg.search_text(), enum_arg(LicenceStatus, "status")
    reg.audit_view("shop_licence", q=q, status=status and status.value, format=request.args.get("format"))
    stmt = reg.licences_query(q, status, _scope())
    if _csv_wanted():
        return csv_response("licences.csv", ["id", _("店铺"), _("许可证类型"), _("编号"), _("持证人"), _("经营范围"), _("发证日期"), _("有效期至"), _("状态")],
                            [[lic.id, lic.shop.name, type_label(lic.licence_type), lic.number, lic.holder, lic.scope,
                              lic.issued_on.isoformat(), lic.expires_on.isoformat(), licence_status(lic.status)]
                             for lic in reg.export_rows(stmt)])
    return render_template("trace/regulator/licences.html", page=paginate(stmt, per_page=PER_PAGE), q=q,
                           status=status, statuses=list(LicenceStatus))


@bp.get("/regulator/batches")
@regulator_required
def regulator_batches():
    q, status = reg.search_text(), enum_arg(BatchStatus, "status")
    reg.audit_view("batch", q=q, status=status and status.value, format=request.args.get("format"))
    stmt = reg.batches_query(q, status, scope=_scope())
    if _csv_wanted():
        return csv_response("batches.csv", ["id", _("批次号"), _("商品"), _("店铺"), _("生产日期"), _("数量"), _("单位"), _("剩余"), _("状态"), _("合格证")],
                            [[b.id, b.code, b.variant.product.title, b.shop.name, b.produced_on.isoformat(), b.quantity,
                              b.unit, b.remaining, status_label(b.status), _("有") if b.certificate else _("无")]
                             for b in reg.export_rows(stmt)])
    return render_template("trace/regulator/batches.html", page=paginate(stmt, per_page=PER_PAGE), q=q,
                           status=status, statuses=list(BatchStatus))


@bp.get("/regulator/batches/<int:batch_id>")
@regulator_required
def regulator_batch(batch_id: int):
    batch = _batch_or_404(batch_id)
    reg.audit_view("batch", batch.id)
    received = db.session.execute(
        sa.select(Allocation.buyer_id, sa.func.sum(Allocation.quantity), sa.func.count(sa.distinct(Allocation.order_id)))
        .where(Allocation.batch_id == batch.id).group_by(Allocation.buyer_id)).all()
    recall = db.session.scalar(sa.select(RecallBatch.recall_id).where(RecallBatch.batch_id == batch.id))
    return render_template("trace/regulator/batch.html", batch=batch, cert=batch.certificate, chain_rows=[(d, node, used, False) for d, node, used in chain(batch)],
                           children=descendants(batch.id), received=received, recall_id=recall)


@bp.get("/regulator/batches/<int:batch_id>/tests/<int:test_id>/report")
@regulator_required
def regulator_report(batch_id: int, test_id: int):
    test = db.session.get(BatchTest, test_id)
    if test is None or test.batch_id != batch_id or not test.attachment_key:
        abort(404)
    _batch_or_404(batch_id)
    reg.audit_view("batch_test", test.id)
    if test.attachment_kind == AttachmentKind.IMAGE:
        return private_image(test.attachment_key)
    data = read_or_404(resolve(test.attachment_key))
    return data, 200, pdf_headers(test.attachment_name or "report.pdf")


@bp.get("/regulator/recalls")
@regulator_required
def regulator_recalls():
    q = reg.search_text()
    reg.audit_view("recall", q=q, format=request.args.get("format"))
    stmt = reg.recalls_query(q, _scope())
    if _csv_wanted():
        return csv_response("recalls.csv", ["id", _("批次号"), _("店铺"), _("原因"), _("发起方"), _("状态"), _("召回时间"), _("通知买家"), _("已确认")],
                            [[r.id, r.batch.code, r.batch.shop.name, r.reason, _("监管部门") if r.by_regulator else _("店铺"),
                              RECALL_MACHINE.label(r.status), local_time(r.created_at), len(r.notices),
                              sum(1 for n in r.notices if n.acknowledged_at)] for r in reg.export_rows(stmt)])
    return render_template("trace/regulator/recalls.html", page=paginate(stmt, per_page=PER_PAGE), q=q,
                           status_label=RECALL_MACHINE.label)
