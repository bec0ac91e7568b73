"""Merchant CSV import (upload -> preview -> confirm) and export."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog import bp
from catalog.csv_io import COLUMNS, CsvFileError, export_csv, import_csv
from catalog.forms import ImportForm
from marketplace.media import MediaError, read_upload
from marketplace.shops.policy import merchant_required

TOKEN_RE = re.compile(r"^[a-f0-9]{32}$")
ZIP_MAX_BYTES = 200 * 1024 * 1024
STASH_HOURS = 24


def _upload_dir(shop) -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "imports" / str(shop.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stash(shop, csv_data: bytes, zip_data: bytes | None) -> str:
    token = secrets.token_hex(16)
    folder = _upload_dir(shop)
    cutoff = time.time() - STASH_HOURS * 3600
    for old in folder.iterdir():  # previews never confirmed
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    (folder / f"{token}.csv").write_bytes(csv_data)
    if zip_data:
        (folder / f"{token}.zip").write_bytes(zip_data)
    return token


def _unstash(shop, token: str) -> tuple[bytes, bytes | None] | None:
    if not TOKEN_RE.match(token or ""):
        return None
    folder = _upload_dir(shop)  # per shop: another shop's token finds nothing
    csv_path, zip_path = folder / f"{token}.csv", folder / f"{token}.zip"
    if not csv_path.is_file():
        return None
    return csv_path.read_bytes(), (zip_path.read_bytes() if zip_path.is_file() else None)


def _discard(shop, token: str) -> None:
    if TOKEN_RE.match(token or ""):
        for suffix in (".csv", ".zip"):
            (_upload_dir(shop) / f"{token}{suffix}").unlink(missing_ok=True)


@bp.route("/merchant/products/import", methods=["GET", "POST"])
@merchant_required
def merchant_import(shop):
    form = ImportForm()
    report, token, problem = None, None, None
    if request.method == "POST" and form.validate():
        try:
            csv_data = read_upload(request.files.get("csv_file"), 20 * 1024 * 1024)
            zip_file = request.files.get("images")
            zip_data = read_upload(zip_file, ZIP_MAX_BYTES) if zip_file and zip_file.filename else None
            report = import_csv(shop, current_user, csv_data, zip_data=zip_data, dry_run=True)
        except (MediaError, CsvFileError) as exc:
            problem = str(exc)
        else:
            if report.ok:
                token = _stash(shop, csv_data, zip_data)
    return render_template("catalog/merchant/import.html", form=form, report=report, token=token, problem=problem,
                           columns=COLUMNS, shop=shop)


@bp.post("/merchant/products/import/confirm")
@merchant_required
def merchant_import_confirm(shop):
    token = request.form.get("token", "")
    stashed = _unstash(shop, token)
    if stashed is None:
        flash(_("预览已过期，请重新上传文件"), "error")
        return redirect(url_for("catalog.merchant_import"))
    csv_data, zip_data = stashed
    report = import_csv(shop, current_user, csv_data, zip_data=zip_data)
    if not report.ok:  # the catalogue changed between preview and confirm
        return render_template("catalog/merchant/import.html", form=ImportForm(), report=report, token=None,
                               problem=_("导入未完成，没有任何改动：请修正下面的问题后重新上传"), columns=COLUMNS,
                               shop=shop)
    _discard(shop, token)
    flash(_("导入完成：新建 %(pc)d 个商品、更新 %(pu)d 个，新建 %(vc)d 个规格、更新 %(vu)d 个，图片 %(img)d 张",
            pc=report.products_created, pu=report.products_updated, vc=report.variants_created,
            vu=report.variants_updated, img=report.images_added), "success")
    return redirect(url_for("catalog.merchant_products"))


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
