"""The shop's licences: what it holds, in what state, which categories need which type, and the
upload form."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from catalog.models import Category
from licences import bp, services
from licences.models import CategoryLicence, LicenceType, ShopLicence
from marketplace.extensions import db
from marketplace.shops.policy import merchant_required


def requirements() -> list[tuple[Category, list[LicenceType]]]:
    """Each category that requires licences, with the types (one query)."""
    rows = db.session.execute(sa.select(CategoryLicence.licence_type, Category).join(
        Category, Category.id == CategoryLicence.category_id).order_by(Category.path, CategoryLicence.licence_type))
    found: dict[int, tuple[Category, list[LicenceType]]] = {}
    for kind, category in rows:
        found.setdefault(category.id, (category, []))[1].append(LicenceType(kind))
    return list(found.values())


def _page(shop, form, error=None):
    licences = db.session.scalars(sa.select(ShopLicence).where(ShopLicence.shop_id == shop.id)
                                  .options(joinedload(ShopLicence.history))
                                  .order_by(ShopLicence.id.desc())).unique().all()
    return render_template("licences/merchant.html", shop=shop, licences=licences, form=form, error=error,
                           types=list(LicenceType), requirements=requirements(),
                           held=services.valid_types(shop.id)), 422 if error else 200


@bp.get("/merchant/licences")
@merchant_required
def merchant_list(shop):
    return _page(shop, {})


@bp.post("/merchant/licences")
@merchant_required
def merchant_upload(shop):
    try:
        services.submit_licence(shop, current_user, request.form, request.files.get("scan"))
    except services.LicenceError as exc:
        return _page(shop, request.form, exc)
    flash(_("许可证已上传，平台核验通过后即可在相应分类上架商品"), "success")
    return redirect(url_for("licences.merchant_list"))
