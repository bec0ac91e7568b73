"""Merchant CSV import (upload -> preview -> confirm -> a background job with its progress page) and export."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog import bp, import_runs
from catalog.csv_io import COLUMNS, CsvFileError, export_csv, import_csv
from catalog.forms import ImportForm
from catalog.models import ImportRun
from marketplace.errors import storage_text
from marketplace.extensions import db
from marketplace.media import MediaError, StorageUnavailable, read_upload
from marketplace.shops.policy import merchant_required

ZIP_MAX_BYTES = 200 * 1024 * 1024


@bp.route("/merchant/products/import", methods=["GET", "POST"])
@merchant_required
def merchant_import(shop):
    form = ImportForm()
    report, token, problem, status = None, None, None, 200
    if request.method == "POST" and form.validate():
        try:
            upload = request.files.get("csv_file")
            csv_data = read_upload(upload, 20 * 1024 * 1024)
            zip_file = request.files.get("images")
            zip_data = read_upload(zip_file, ZIP_MAX_BYTES) if zip_file and zip_file.filename else None
            report = import_csv(shop, current_user, csv_data, zip_data=zip_data, dry_run=True,
                                filename=upload.filename)
        except (MediaError, CsvFileError) as exc:
            problem = str(exc)
        else:
            if report.ok:
                try:
                    token = import_runs.stash(shop, csv_data, zip_data)
                except StorageUnavailable:  # the preview is shown; confirming needs the stash
                    problem, status = storage_text(), 503
    return render_template("catalog/merchant/import.html", form=form, report=report, token=token, problem=problem,
                           columns=COLUMNS, shop=shop), status


@bp.post("/merchant/products/import/confirm")
@merchant_required
def merchant_import_confirm(shop):
    """Queue the previewed import and show its progress (a double submit shows the same run)."""
    run = import_runs.start(shop, current_user, request.form.get("token", ""))
    if run is None:
        flash(_("预览已过期，请重新上传文件"), "error")
        return redirect(url_for("catalog.merchant_import"))
    return redirect(url_for("catalog.merchant_import_run", run_id=run.id), 303)


@bp.get("/merchant/products/import/runs/<int:run_id>")
@merchant_required
def merchant_import_run(shop, run_id: int):
    """One import's progress (the page refreshes itself until it has finished) and outcome."""
    run = db.session.get(ImportRun, run_id)
    if run is None or run.shop_id != shop.id:
        abort(404)
    done, total = import_runs.progress(run)
    return render_template("catalog/merchant/import_run.html", run=run, done=done, total=total, shop=shop,
                           poll=current_app.config["CATALOG_IMPORT_POLL_SECONDS"])


@bp.get("/merchant/products/export.csv")
@merchant_required
def merchant_export(shop):
    data = export_csv(shop)
    return Response(data, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="products-{shop.slug}.csv"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@bp.get("/merchant/products/import/template.csv")
@merchant_required
def merchant_import_template(shop):
    sample = [",".join(COLUMNS),
              "ZC-001,柘城三樱椒 干辣椒,农产品/干货调料,5kg 袋装,袋,150.00,200,1,1,10:140.00;50:130.00,柘城县,"
              "中国辣椒之乡,色红味辣,品种=三樱椒;等级=一级,地理标志,published,",
              "ZC-001,柘城三樱椒 干辣椒,,25kg 编织袋,袋,700.00,50,2,1,,,,,,,,"]
    return Response(("\ufeff" + "\r\n".join(sample) + "\r\n").encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="products-template.csv"'})
