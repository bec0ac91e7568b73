"""The agriculture officer's pages: held prices to approve, correct or reject (history kept), and
who reports for which market (the MARKET_REPORTER grants, scoped to one market)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User, UserRole
from marketplace.accounts.policy import role_required
from marketplace.accounts.services import grant_role, revoke_role
from marketplace.db import atomic
from marketplace.errors import DomainError
from marketplace.extensions import db
from prices import bp
from prices.models import Market, PriceObservation, PriceStatus
from prices.services import approve, correct, reject

officer_required = role_required(Role.AGRICULTURE_OFFICER)


@bp.get("/prices/review")
@officer_required
def review():
    Obs = PriceObservation
    held = list(db.session.scalars(sa.select(Obs).where(Obs.status == PriceStatus.HELD)
                                   .options(selectinload(Obs.commodity), selectinload(Obs.market),
                                            selectinload(Obs.history))
                                   .order_by(Obs.day.desc(), Obs.market_id, Obs.id).limit(200)))
    return render_template("prices/review.html", held=held)


@bp.post("/prices/review/<int:observation_id>")
@officer_required
def review_action(observation_id: int):
    obs = db.session.get(PriceObservation, observation_id)
    if obs is None:
        abort(404)
    action = request.form.get("action")
    try:
        if action == "approve":
            approve(obs.id, current_user)
            flash(_("已审核通过并发布"), "success")
        elif action == "reject":
            reject(obs.id, current_user, request.form.get("note", "").strip())
            flash(_("已驳回"), "success")
        elif action == "correct":
            correct(obs.id, current_user, low=request.form.get("low"), avg=request.form.get("avg"),
                    high=request.form.get("high"), note=request.form.get("note", "").strip())
            flash(_("已更正并发布"), "success")
        else:
            abort(400)
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("prices.review"))


@bp.route("/prices/reporters", methods=["GET", "POST"])
@officer_required
def reporters():
    markets = list(db.session.scalars(sa.select(Market).order_by(Market.sort_order, Market.id)))
    if request.method == "POST":
        market = db.session.get(Market, request.form.get("market_id", type=int) or 0)
        email = request.form.get("email", "").strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email, User.deleted_at.is_(None))) \
            if email else None
        if market is None or user is None:
            flash(_("没有这个账号或市场"), "error")
        else:
            with atomic():
                if request.form.get("action") == "revoke":
                    revoke_role(user, Role.MARKET_REPORTER, current_user, scope=market)
                else:
                    grant_role(user, Role.MARKET_REPORTER, current_user, scope=market)
            flash(_("已保存"), "success")
        return redirect(url_for("prices.reporters"))
    grants = db.session.execute(sa.select(UserRole.scope_id, User).join(User, User.id == UserRole.user_id)
                                .where(UserRole.role == Role.MARKET_REPORTER, UserRole.scope_type == "market")
                                .order_by(User.id)).all()
    by_market: dict[int, list[User]] = {}
    for market_id, user in grants:
        by_market.setdefault(market_id, []).append(user)
    return render_template("prices/reporters.html", markets=markets, by_market=by_market)
