"""The shop's traceability pages: its batches, the new-batch form (inputs, tests and their reports),
a batch with its certificate and the printable label, and the repack form. Every batch id is the
shop's own or a 404."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from catalog.models import Variant
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.media import read_or_404, resolve
from marketplace.pdf import pdf_headers
from marketplace.regions.picker import chain_for, resolve_pick
from marketplace.shops.policy import merchant_required, own_or_404
from marketplace.web import paginate
from trace import bp
from trace.batches import MAX_INPUTS, MAX_TESTS, record_batch, traced_variants, write_off
from trace.blocks import EXPIRING_DAYS
from trace.certificates import COMMITMENTS, issue_certificate, preview, qr_svg, trace_url
from trace.errors import TraceError
from trace.models import Allocation, AttachmentKind, Batch, BatchParent, BatchStatus, BatchTest, TestKind
from trace.queries import is_public
from trace.transform import bought_batches, chain, repack
from trace.validation import local_today, rows_from_form

#: Empty rows the new-batch form offers.
INPUT_ROWS = 3
TEST_ROWS = 2
PARENT_ROWS = 3
INPUT_KEYS = ("name", "used_on", "safe_interval_days")
TEST_KEYS = ("kind", "result", "passed", "tested_on", "tester")


def own_batch(batch_id: int, shop) -> Batch:
    return own_or_404(db.session.get(Batch, batch_id), shop)


def _status(error: TraceError | None) -> int:
    return error.status if error is not None else 200


@bp.get("/merchant/trace")
@merchant_required
def merchant_batches(shop):
    query = (sa.select(Batch).where(Batch.shop_id == shop.id)
             .options(joinedload(Batch.variant).joinedload(Variant.product), joinedload(Batch.certificate))
             .order_by(Batch.id.desc()))
    expiring = request.args.get("expiring") == "1"
    if expiring:
        soon = local_today() + dt.timedelta(days=EXPIRING_DAYS)
        query = query.where(Batch.status == BatchStatus.ACTIVE, Batch.remaining > 0, Batch.expires_on <= soon)
    return render_template("trace/batches.html", page=paginate(query, per_page=30), expiring=expiring,
                           has_variants=bool(traced_variants(shop)), can_repack=bool(bought_batches(shop)))


def _form_page(shop, form, error: TraceError | None = None):
    region = resolve_pick(form.getlist("region"), allow_country=False) if "region" in form else shop.region
    return render_template("trace/batch_form.html", form=form, error=error, variants=traced_variants(shop),
                           chain=chain_for(region), input_rows=max(INPUT_ROWS, 1), test_rows=TEST_ROWS,
                           test_kinds=TestKind, commitments=COMMITMENTS, today=local_today(), shop_phone=shop.phone,
                           region_error=error.errors.get("region", [None])[0] if error else None), _status(error)


@bp.route("/merchant/trace/new", methods=["GET", "POST"])
@merchant_required
def merchant_new_batch(shop):
    form = request.form
    if request.method == "GET":
        return _form_page(shop, request.args)
    if form.get("pick"):  # the region picker's next level, without JavaScript
        return _form_page(shop, form)
    region = resolve_pick(form.getlist("region"), allow_country=False)
    data = {key: form.get(key, "") for key in ("variant", "produced_on", "expires_on", "shelf_life_days",
                                               "quantity", "plot", "note")}
    data["region"] = region
    inputs = rows_from_form(form, "input", INPUT_KEYS, MAX_INPUTS)
    tests = []
    for n in range(1, MAX_TESTS + 1):
        row = {key: form.get(f"test-{n}-{key}", "") for key in TEST_KEYS}
        upload = request.files.get(f"test-{n}-report")
        if any(str(row[k]).strip() for k in ("result", "tested_on", "tester")) or (upload and upload.filename):
            tests.append({**row, "passed": form.get(f"test-{n}-passed", "1"), "report": upload})
    try:
        with atomic():  # the batch and its certificate together, or neither
            batch = record_batch(shop, current_user, data, inputs, tests, opening=bool(form.get("opening")))
            if form.get("certify"):
                issue_certificate(batch, current_user, {"contact": form.get("contact") or shop.phone,
                                                        "commitments": form.getlist("commitment")})
    except TraceError as exc:
        return _form_page(shop, form, exc)
    if form.get("opening"):
        flash(_("批次 %(code)s 已登记为现有库存的期初批次，库存不变", code=batch.code), "success")
    else:
        flash(_("批次 %(code)s 已登记，库存已增加", code=batch.code), "success")
    return redirect(url_for("trace.merchant_batch", batch_id=batch.id))


@bp.get("/merchant/trace/<int:batch_id>")
@merchant_required
def merchant_batch(batch_id: int, shop):
    batch = own_batch(batch_id, shop)
    allocations = list(db.session.scalars(sa.select(Allocation).where(Allocation.batch_id == batch.id)
                                          .order_by(Allocation.id.desc()).limit(100)))
    children = list(db.session.scalars(sa.select(Batch).join(BatchParent, BatchParent.child_id == Batch.id)
                                       .where(BatchParent.parent_id == batch.id).order_by(Batch.id)))
    return render_template("trace/batch.html", batch=batch, allocations=allocations, children=children,
                           chain_rows=[(d, node, used, is_public(node)) for d, node, used in chain(batch)], draft=None if batch.certificate else preview(batch),
                           commitments=COMMITMENTS, public_url=trace_url(batch))


@bp.post("/merchant/trace/<int:batch_id>/certificate")
@merchant_required
def merchant_certify(batch_id: int, shop):
    batch = own_batch(batch_id, shop)
    try:
        issue_certificate(batch, current_user, {"contact": request.form.get("contact", ""),
                                                "test_summary": request.form.get("test_summary", ""),
                                                "commitments": request.form.getlist("commitment")})
    except TraceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("合格证已开具"), "success")
    return redirect(url_for("trace.merchant_batch", batch_id=batch.id))


@bp.post("/merchant/trace/<int:batch_id>/write-off")
@merchant_required
def merchant_write_off(batch_id: int, shop):
    batch = own_batch(batch_id, shop)
    try:
        write_off(batch, current_user, request.form.get("quantity", ""), request.form.get("reason", ""))
    except TraceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("已报损，库存已减少"), "success")
    return redirect(url_for("trace.merchant_batch", batch_id=batch.id))


@bp.get("/merchant/trace/<int:batch_id>/label")
@merchant_required
def merchant_label(batch_id: int, shop):
    """The certificate as a label (70 x 50 mm when printed) with the QR code of the trace page."""
    batch = own_batch(batch_id, shop)
    if batch.certificate is None:
        abort(404)
    url = trace_url(batch)
    with force_locale("zh_CN"):  # the label is the legal document on the goods: always in Chinese
        chinese = {key: str(text) for key, text in COMMITMENTS.items()}
    return render_template("trace/label.html", batch=batch, cert=batch.certificate, url=url, qr=qr_svg(url),
                           commitments=COMMITMENTS, commitments_zh=chinese)


@bp.get("/merchant/trace/<int:batch_id>/tests/<int:test_id>/report")
@merchant_required
def merchant_report(batch_id: int, test_id: int, shop):
    """A test report: private, to the shop's own staff only (the trace page shows results only)."""
    batch = own_batch(batch_id, shop)
    test = db.session.get(BatchTest, test_id)
    if test is None or test.batch_id != batch.id or not test.attachment_key:
        abort(404)
    data = read_or_404(resolve(test.attachment_key))
    if test.attachment_kind == AttachmentKind.PDF:
        return data, 200, pdf_headers(test.attachment_name or "report.pdf")
    return data, 200, {"Content-Type": "image/webp", "Cache-Control": "private, no-store, max-age=0",
                       "X-Content-Type-Options": "nosniff"}


def _repack_page(shop, form, error: TraceError | None = None):
    return render_template("trace/repack.html", form=form, error=error, variants=traced_variants(shop),
                           bought=bought_batches(shop), rows=PARENT_ROWS, commitments=COMMITMENTS,
                           shop_phone=shop.phone), _status(error)


@bp.route("/merchant/trace/repack", methods=["GET", "POST"])
@merchant_required
def merchant_repack(shop):
    """A child batch from batches the shop bought on the platform (分装/混装), certified at once."""
    if request.method == "GET":
        return _repack_page(shop, request.args)
    form = request.form
    data = {key: form.get(key, "") for key in ("variant", "quantity", "plot", "note")}
    parents = rows_from_form(form, "parent", ("batch", "quantity"), PARENT_ROWS)
    try:
        with atomic():  # the child batch and its certificate together, or neither
            child = repack(shop, current_user, data, parents)
            issue_certificate(child, current_user, {"contact": form.get("contact") or shop.phone,
                                                    "commitments": form.getlist("commitment")})
    except TraceError as exc:
        return _repack_page(shop, form, exc)
    flash(_("分装批次 %(code)s 已登记，合格证已开具", code=child.code), "success")
    return redirect(url_for("trace.merchant_batch", batch_id=child.id))
