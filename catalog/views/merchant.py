"""Merchant pages: product list, editor (variants and tiers), status, stock, photos.

Every route goes through merchant_required (an approved shop of the current user) and every
product id through own_or_404: another shop's product is a 404, never a 403.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from catalog import bp, editor, images
from catalog.categories import all_categories
from catalog.forms import PhotoForm, ProductForm, StockForm
from catalog.models import Certification, Product, ProductImage, ProductStatus
from catalog.queries import title_or_code_contains
from catalog.services import (
    MERCHANT_TARGETS,
    CatalogError,
    adjust_stock,
    certification_labels,
    create_product,
    duplicate_product,
    set_status,
    soft_delete,
    stock_edit_refusals,
    stock_history,
    update_product,
)
from catalog.units import unit_name
from marketplace.errors import form_errors, storage_text
from marketplace.extensions import db
from marketplace.media import MediaError, StorageUnavailable, read_upload
from marketplace.regions.models import Region
from marketplace.shops.policy import merchant_required, own_or_404
from marketplace.web import paginate

PAGE_SIZE = 30
STATUS_FILTERS = ("all", "published", "draft", "hidden", "pending", "rejected", "blocked", "deleted")


def _own_product(product_id: int, shop, *, allow_deleted: bool = False) -> Product:
    product = own_or_404(db.session.get(Product, product_id), shop)
    if product.deleted_at is not None and not allow_deleted:
        abort(404)
    return product


def _choices(form: ProductForm) -> None:
    from marketplace.i18n import current_locale_code
    from marketplace.regions.services import region_choices

    locale = current_locale_code()
    cats = all_categories()
    parents = {c.id for c in cats if c.parent_id is None}
    form.category.choices = [(0, _("请选择"))] + [(c.id, c.path) for c in cats if c.id not in parents]
    form.origin.choices = [(0, _("不填"))] + region_choices(locale)
    form.certifications.choices = list(certification_labels().items())


@bp.get("/merchant/products")
@merchant_required
def merchant_products(shop):
    status = request.args.get("status", "all")
    if status not in STATUS_FILTERS:
        status = "all"
    stmt = sa.select(Product).where(Product.shop_id == shop.id).options(selectinload(Product.variants))
    if status == "deleted":
        stmt = stmt.where(Product.deleted_at.is_not(None))
    else:
        stmt = stmt.where(Product.deleted_at.is_(None))
        if status != "all":
            stmt = stmt.where(Product.status == ProductStatus(status))
    q = request.args.get("q", "").strip()[:60]
    if q:
        stmt = title_or_code_contains(stmt, q)
    stmt = stmt.order_by(Product.updated_at.desc(), Product.id.desc())
    page = paginate(stmt, per_page=PAGE_SIZE)
    counts = dict(db.session.execute(sa.select(Product.status, sa.func.count()).where(
        Product.shop_id == shop.id, Product.deleted_at.is_(None)).group_by(Product.status)).all())
    return render_template("catalog/merchant/products.html", shop=shop, page=page, status=status, q=q,
                           counts={ProductStatus(k).value: v for k, v in counts.items()},
                           filters=STATUS_FILTERS)


def _editor_context(form, rows, row_errors, product=None, shop=None):
    return {"form": form, "rows": rows, "row_errors": row_errors, "product": product, "shop": shop,
            "tier_rows": editor.TIER_ROWS}


def _merge_variant_errors(rows, indices, row_errors, product) -> None:
    """Also show the service's row checks (tiers, units ...) when the form already has errors."""
    from catalog.services import clean_variants

    try:
        clean_variants(rows, product.variants if product else None)
    except CatalogError as exc:
        for name, msgs in exc.errors.items():
            if name.startswith("variants-"):
                index = indices[int(name.split("-")[1])]
                known = row_errors.setdefault(index, [])
                if any(m == _("请填写有效的单价") for m in msgs) and known:
                    msgs = [m for m in msgs if m != _("请填写有效的单价")]
                known.extend(m for m in msgs if m not in known)


def _save(shop, form: ProductForm, product: Product | None):
    """Validate and save the editor; returns the product or None with errors on the form/rows."""
    rows, indices, raw_rows, row_errors = editor.parse_rows(request.form)
    attributes, attr_errors = editor.parse_attributes(form.attributes.data)
    form_ok = form.validate()
    if attr_errors:
        form.attributes.errors = list(form.attributes.errors) + attr_errors
    if not form_ok or attr_errors or row_errors:
        _merge_variant_errors(rows, indices, row_errors, product)
        return None, raw_rows, row_errors
    origin = db.session.get(Region, form.origin.data) if form.origin.data else None
    data = {"title": form.title.data, "subtitle": form.subtitle.data, "code": form.code.data,
            "category": form.category.data, "origin": origin, "attributes": attributes,
            "certifications": [c for c in form.certifications.data or [] if c in {x.value for x in Certification}],
            "description": form.description.data}
    try:
        if product is None:
            product = create_product(shop, current_user, data, rows)
        else:
            update_product(product, current_user, data, rows)
    except CatalogError as exc:
        # Variant messages go next to their rows, the others next to their form fields.
        for name, msgs in exc.errors.items():
            if name.startswith("variants-"):
                row_errors.setdefault(indices[int(name.split("-")[1])], []).extend(msgs)
            elif name == "variants":
                row_errors.setdefault(0, []).extend(msgs)
        unplaced = [n for n in exc.errors if not n.startswith("variants") and getattr(form, n, None) is None]
        form_errors(form, exc)
        if unplaced or not exc.errors:
            flash(exc.message, "error")
        return None, raw_rows, row_errors
    return product, raw_rows, row_errors


@bp.route("/merchant/products/new", methods=["GET", "POST"])
@merchant_required
def merchant_product_new(shop):
    form = ProductForm()
    _choices(form)
    rows, row_errors = editor.pad([]), {}
    if request.method == "POST":
        product, rows, row_errors = _save(shop, form, None)
        if product is not None:
            flash(_("商品已保存为草稿。检查无误后可以上架。"), "success")
            return redirect(url_for("catalog.merchant_product_edit", product_id=product.id))
        rows = editor.pad([r for r in rows if r["name"] or r["price"]])
    return render_template("catalog/merchant/edit.html", **_editor_context(form, rows, row_errors, shop=shop))


@bp.route("/merchant/products/<int:product_id>/edit", methods=["GET", "POST"])
@merchant_required
def merchant_product_edit(product_id: int, shop):
    product = _own_product(product_id, shop)
    form = ProductForm(obj=None if request.method == "POST" else product)
    _choices(form)
    if request.method == "GET":
        form.category.data = product.category_id
        form.origin.data = product.origin_region_id or 0
        form.attributes.data = editor.attributes_text(product.attributes)
        form.certifications.data = list(product.certifications)
        rows, row_errors = editor.rows_from_product(product), {}
    else:
        was_published = product.status == ProductStatus.PUBLISHED
        saved, rows, row_errors = _save(shop, form, product)
        if saved is not None:
            flash(_("已保存"), "success")
            if was_published and saved.status == ProductStatus.HIDDEN:  # the new category's rules refuse it
                flash(_("商品已下架：%(reason)s", reason=saved.moderation_note or "-"), "warning")
            return redirect(url_for("catalog.merchant_product_edit", product_id=product.id))
        rows = editor.pad([r for r in rows if r["name"] or r["price"]])
    return render_template("catalog/merchant/edit.html", **_editor_context(form, rows, row_errors, product, shop))


@bp.post("/merchant/products/<int:product_id>/status")
@merchant_required
def merchant_product_status(product_id: int, shop):
    product = _own_product(product_id, shop)
    try:
        target = ProductStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if target not in MERCHANT_TARGETS:
        abort(400)
    set_status(product, target, current_user)
    flash({ProductStatus.PUBLISHED: _("已上架"), ProductStatus.HIDDEN: _("已下架"),
           ProductStatus.DRAFT: _("已转为草稿"),
           ProductStatus.PENDING: _("已提交平台审核，审核通过后会自动上架，结果会通知您。")}[product.status], "success")
    return redirect(request.form.get("back") == "list" and url_for("catalog.merchant_products")
                    or url_for("catalog.merchant_product_edit", product_id=product.id))


@bp.post("/merchant/products/<int:product_id>/duplicate")
@merchant_required
def merchant_product_duplicate(product_id: int, shop):
    copy = duplicate_product(_own_product(product_id, shop), current_user)
    flash(_("已复制为新的草稿，请修改后上架"), "success")
    return redirect(url_for("catalog.merchant_product_edit", product_id=copy.id))


@bp.post("/merchant/products/<int:product_id>/delete")
@merchant_required
def merchant_product_delete(product_id: int, shop):
    soft_delete(_own_product(product_id, shop), current_user)
    flash(_("商品已删除"), "success")
    return redirect(url_for("catalog.merchant_products"))


@bp.route("/merchant/products/<int:product_id>/stock", methods=["GET", "POST"])
@merchant_required
def merchant_product_stock(product_id: int, shop):
    product = _own_product(product_id, shop)
    form = StockForm()
    variants = [v for v in product.variants if v.active]
    form.variant.choices = [(v.id, f"{v.name}（{_('库存')} {v.stock} {unit_name(v.unit)}）") for v in variants]
    status = 200
    if form.validate_on_submit():
        variant = next((v for v in variants if v.id == form.variant.data), None)
        if variant is None:
            abort(404)
        try:
            adjust_stock(variant, form.delta.data, form.reason.data, current_user)
        except CatalogError as exc:
            status = exc.status if exc.code == "stock_tracked" else 200
            if not form_errors(form, exc):
                flash(exc.message, "error")
        else:
            flash(_("库存已调整：%(name)s 现有 %(n)d %(unit)s", name=variant.name, n=variant.stock,
                    unit=unit_name(variant.unit)), "success")
            return redirect(url_for("catalog.merchant_product_stock", product_id=product.id))
    history = stock_history([v.id for v in product.variants])
    names = {v.id: v for v in product.variants}
    # variants whose stock another domain keeps (trace: batches) are shown with why, not edited here
    tracked = stock_edit_refusals([v.id for v in variants])
    return render_template("catalog/merchant/stock.html", product=product, form=form, variants=variants,
                           history=history, names=names, shop=shop, tracked=tracked), status


# --- photos -----------------------------------------------------------------------------------

def _own_image(product: Product, image_id: int) -> ProductImage:
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        abort(404)
    return image


@bp.route("/merchant/products/<int:product_id>/photos", methods=["GET", "POST"])
@merchant_required
def merchant_product_photos(product_id: int, shop):
    product = _own_product(product_id, shop)
    form, status = PhotoForm(), 200
    if form.validate_on_submit():
        try:
            data = read_upload(request.files.get("photo"), current_app.config["UPLOAD_IMAGE_MAX_BYTES"])
            images.add_image(product, data, current_user)
        except (MediaError, CatalogError) as exc:
            form.photo.errors = [str(exc)]
        except StorageUnavailable:  # the bucket is down: nothing was added; the form says so
            form.photo.errors, status = [storage_text()], 503
        else:
            flash(_("图片已上传"), "success")
            return redirect(url_for("catalog.merchant_product_photos", product_id=product.id))
    photos = sorted(product.images, key=lambda i: (i.position, i.id))
    return render_template("catalog/merchant/photos.html", product=product, form=form, photos=photos,
                           shop=shop), status


@bp.post("/merchant/products/<int:product_id>/photos/<int:image_id>/<action>")
@merchant_required
def merchant_product_photo_action(product_id: int, image_id: int, action: str, shop):
    product = _own_product(product_id, shop)
    image = _own_image(product, image_id)
    if action == "up":
        images.move_image(product, image, -1, current_user)
    elif action == "down":
        images.move_image(product, image, +1, current_user)
    elif action == "primary":
        images.set_primary(product, image, current_user)
        flash(_("已设为主图"), "success")
    elif action == "delete":
        images.delete_image(product, image, current_user)
        flash(_("图片已删除"), "success")
    else:
        abort(404)
    return redirect(url_for("catalog.merchant_product_photos", product_id=product.id))
