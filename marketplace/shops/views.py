"""Shop pages: applying, the applicant's status, the merchant's home, profile and staff, the public
directory and shop pages, and the private licence scan."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.domains import nav_items, page_blocks, page_panels
from marketplace.errors import form_errors
from marketplace.extensions import db
from marketplace.figures import Window
from marketplace.i18n import current_locale_code
from marketplace.kept_blocks import do_not_keep, kept_blocks, render_page
from marketplace.media.pending import resolve
from marketplace.page_cache import cached_page
from marketplace.regions.services import counties, region_choices
from marketplace.shops import bp
from marketplace.shops import services as svc
from marketplace.shops import staff as staff_svc
from marketplace.shops.forms import InviteForm, ReasonlessForm, ShopApplyForm, ShopEditForm, as_choices
from marketplace.shops.models import MemberRole, ShopInvite, ShopMember, ShopStatus, ShopType
from marketplace.shops.policy import (
    MERCHANT_STATUSES,
    current_shop,
    is_owner,
    licence_shop_or_404,
    membership_of,
    own_member_or_404,
    own_or_404,
    reads_as_a_shop,
    visible_shop_or_404,
)
from marketplace.shops.staff import find_invite, invite_problem, open_invites
from marketplace.shops.validation import ShopError
from marketplace.storage import send
from marketplace.web import paginate

DIRECTORY_PAGE_SIZE = 24


def _apply_errors(form, exc: ShopError) -> None:
    """Show a service refusal next to the fields it names (or at the top of the form)."""
    if not form_errors(form, exc):
        flash(exc.message, "error")


def _form_data(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name not in ("csrf_token",)}


# --- applying --------------------------------------------------------------------------------

@bp.route("/shops/apply", methods=["GET", "POST"])
@login_required
def apply():
    if membership_of(current_user) is not None:
        flash(_("您已经有店铺了"), "info")
        return redirect(url_for("shops.application"))
    form = ShopApplyForm()
    form.region_id.choices = as_choices([(None, _("请选择"))] + region_choices(current_locale_code()))
    if form.validate_on_submit():
        try:
            svc.apply_for_shop(current_user, _form_data(form), form.licence_image.data, form.logo.data)
        except ShopError as exc:
            _apply_errors(form, exc)
        else:
            if current_user.email:
                flash(_("申请已提交，平台审核后会通过邮件通知您"), "success")
            else:  # an account made with a mobile number gets no mail
                flash(_("申请已提交，审核结果会显示在这个页面上，请过一两天回来查看"), "success")
            return redirect(url_for("shops.application"))
    return render_template("shops/apply.html", form=form), 200 if request.method == "GET" or not form.errors else 422


@bp.get("/shops/application")
@login_required
def application():
    member = membership_of(current_user)
    if member is None:
        return redirect(url_for("shops.apply"))
    shop = member.shop
    return render_template("shops/application.html", shop=shop, member=member,
                           history=svc.status_history(shop))


# --- the merchant's pages --------------------------------------------------------------------

@bp.get("/merchant")
@login_required
def dashboard():
    member = membership_of(current_user)
    if member is None:
        return redirect(url_for("shops.apply"))
    shop = member.shop
    links = [(item.endpoint, item.label) for item in nav_items(current_app, "merchant")
             if item.visible is None or item.visible(current_user)]
    actions, panels = [], []
    if shop.status in MERCHANT_STATUSES:  # the shop's own figures, for its owner and staff only
        actions = page_panels(current_app, "merchant_actions", shop)
        panels = page_panels(current_app, "merchant_dashboard", shop, Window.last())
    return render_template("shops/dashboard.html", shop=shop, member=member, links=links,
                           is_owner=member.role == MemberRole.OWNER, actions=actions, panels=panels)


@bp.route("/merchant/shop", methods=["GET", "POST"])
@login_required
def edit():
    shop = current_shop(owner=True, approved=False)
    allowed = svc.editable_fields(shop)
    form = ShopEditForm(obj=shop) if request.method == "GET" else ShopEditForm()
    if request.method == "GET":
        form.shop_type.data = shop.shop_type.value
    if "licence_number" not in allowed:
        form.fixed_shop_type = shop.shop_type.value
        del form.licence_number
        del form.licence_image
        del form.shop_type
    form.region_id.choices = as_choices(region_choices(current_locale_code()))
    if form.validate_on_submit():
        licence = form.licence_image.data if form.licence_image is not None else None
        try:
            was_rejected = shop.status == ShopStatus.REJECTED
            svc.update_shop(shop, _form_data(form), current_user, logo_file=form.logo.data, licence_file=licence)
        except ShopError as exc:
            _apply_errors(form, exc)
        else:
            flash(_("已重新提交审核") if was_rejected else _("店铺信息已保存"), "success")
            return redirect(url_for("shops.application") if was_rejected else url_for("shops.edit"))
    status = 200 if request.method == "GET" or not form.errors else 422
    return render_template("shops/edit.html", form=form, shop=shop, allowed=allowed), status


@bp.get("/merchant/staff")
@login_required
def staff():
    shop = current_shop(owner=True)
    members = list(db.session.scalars(sa.select(ShopMember).where(ShopMember.shop_id == shop.id)
                                      .order_by(ShopMember.role.desc(), ShopMember.created_at)))
    return render_template("shops/staff.html", shop=shop, members=members, invites=open_invites(shop),
                           form=InviteForm(), button_form=ReasonlessForm())


@bp.post("/merchant/staff/invite")
@login_required
def invite():
    shop = current_shop(owner=True)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            staff_svc.invite_staff(shop, form.email.data, current_user)
        except ShopError as exc:
            flash(exc.message, "error")
        else:
            flash(_("邀请已发送到 %(email)s", email=form.email.data), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("shops.staff"))


@bp.post("/merchant/staff/invites/<int:invite_id>/revoke")
@login_required
def revoke(invite_id: int):
    shop = current_shop(owner=True)
    invite = own_or_404(db.session.get(ShopInvite, invite_id), shop)
    if ReasonlessForm().validate_on_submit():
        try:
            staff_svc.revoke_invite(invite, current_user)
            flash(_("邀请已撤销"), "success")
        except ShopError as exc:
            flash(exc.message, "error")
    return redirect(url_for("shops.staff"))


@bp.post("/merchant/staff/members/<int:member_id>/remove")
@login_required
def remove_member(member_id: int):
    shop = current_shop(owner=True)
    member = own_member_or_404(member_id, shop)
    if ReasonlessForm().validate_on_submit():
        try:
            staff_svc.remove_staff(shop, member, current_user)
            flash(_("已移除店员"), "success")
        except ShopError as exc:
            flash(exc.message, "error")
    return redirect(url_for("shops.staff"))


@bp.route("/invites/<token>", methods=["GET", "POST"])
@login_required
def accept_invite(token: str):
    invite = find_invite(token)
    problem = invite_problem(invite, current_user)
    form = ReasonlessForm()
    if request.method == "POST" and problem is None and form.validate_on_submit():
        try:
            staff_svc.accept_invite(token, current_user)
        except ShopError as exc:
            problem = exc.message
        else:
            flash(_("您已加入 %(shop)s", shop=invite.shop.name), "success")
            return redirect(url_for("shops.dashboard"))
    shop = invite.shop if invite is not None and problem is None else None
    return render_template("shops/invite.html", shop=shop, problem=problem, form=form), 200 if problem is None else 410


# --- public pages ----------------------------------------------------------------------------

@bp.get("/shops")
@cached_page("catalog")  # the catalogue's group watches shops, regions and products
def directory():
    query, county = svc.directory_query(request.args.get("county"), request.args.get("type"), request.args.get("q"))
    page = paginate(query, per_page=DIRECTORY_PAGE_SIZE)
    return render_template("shops/directory.html", page=page, counties=counties(), county=county,
                           shop_types=list(ShopType), selected_type=request.args.get("type", ""),
                           q=request.args.get("q", ""))


@bp.get("/shops/<slug>")
@cached_page("catalog")
@kept_blocks("catalog", unless=reads_as_a_shop)  # a buyer: his header around the blocks kept for all
def show(slug: str):
    shop = visible_shop_or_404(slug)
    if shop.status != ShopStatus.APPROVED:
        do_not_keep()  # only its members and the admins see it: never kept for other readers
    context = page_blocks(current_app, "shop", shop)  # the catalogue adds the shop's products
    return render_page("shops/show.html", **context, shop=shop, is_owner=is_owner(current_user, shop))


@bp.get("/shops/<int:shop_id>/licence")
@login_required
def licence(shop_id: int):
    """The private licence scan: the shop's members and admins only; others get 404."""
    shop = licence_shop_or_404(shop_id)
    size = request.args.get("size", "800")
    if size not in ("800", "full"):
        abort(404)
    key = svc.image_key(shop.licence_image, size)
    if not key:
        abort(404)
    response = send(resolve(key), mimetype="image/webp", public=False)
    response.headers["Content-Disposition"] = "inline"
    return response
