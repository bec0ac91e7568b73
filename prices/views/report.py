"""The market reporter's pages: the day's entry grid of his market, and the CSV or Excel import of a day.

A reporter reaches only the markets he is granted (MARKET_REPORTER scoped to ("market", id)); any
other market is a 404. The agriculture officer and the admin may enter for every market."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.accounts.policy import has_role
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.media import MediaError, read_upload
from marketplace.stash import Stash
from prices import bp
from prices.csv_import import COLUMNS, CsvFileError, import_prices
from prices.models import Market, PriceObservation
from prices.services import PriceError, check_values, local_today, record, references


def may_report(user, market: Market) -> bool:
    return has_role(user, Role.MARKET_REPORTER, market) or has_role(user, Role.AGRICULTURE_OFFICER)


def reporter_market(market_id: int) -> Market:
    """The market, when the signed-in user reports for it; 404 otherwise (never another's page)."""
    market = db.session.get(Market, market_id)
    if market is None or not may_report(current_user, market):
        abort(404)
    return market


def my_markets(user) -> list[Market]:
    if has_role(user, Role.AGRICULTURE_OFFICER):
        return list(db.session.scalars(sa.select(Market).order_by(Market.sort_order, Market.id)))
    ids = [g.scope_id for g in user.roles if g.role == Role.MARKET_REPORTER and g.scope_type == "market"]
    return list(db.session.scalars(sa.select(Market).where(Market.id.in_(ids)).order_by(Market.sort_order))) \
        if ids else []


@bp.get("/prices/report")
@login_required
def report_home():
    markets = my_markets(current_user)
    if len(markets) == 1:
        return redirect(url_for("prices.report_day", market_id=markets[0].id))
    if not markets:
        abort(404)
    return render_template("prices/report_home.html", markets=markets)


def _day() -> dt.date:
    text = request.values.get("day", "")
    try:
        return dt.date.fromisoformat(text) if text else local_today()
    except ValueError:
        abort(404)


@bp.route("/prices/report/<int:market_id>", methods=["GET", "POST"])
@login_required
def report_day(market_id: int):
    market = reporter_market(market_id)
    day = _day()
    commodities = [(mc.commodity, mc.unit or mc.commodity.unit) for mc in market.usual if mc.commodity.active]
    ids = [c.id for c, _u in commodities]
    refs = references(market, day, ids)
    Obs = PriceObservation
    current = {o.commodity_id: o for o in db.session.scalars(
        sa.select(Obs).where(Obs.market_id == market.id, Obs.day == day, Obs.spec == "", Obs.commodity_id.in_(ids)))} \
        if ids else {}
    errors: dict[int, dict[str, list[str]]] = {}
    problem = None
    if request.method == "POST":
        draft = request.form.get("action") == "draft"
        entries = []
        for commodity, _unit in commodities:
            f = {k: request.form.get(f"{k}-{commodity.id}", "").strip()
                 for k in ("low", "avg", "high", "unit", "volume", "origin")}
            if not (f["low"] or f["avg"] or f["high"]):
                continue
            try:
                entries.append((commodity, check_values(commodity, unit=f["unit"], low=f["low"], avg=f["avg"],
                                                        high=f["high"], volume=f["volume"], origin=f["origin"])))
            except PriceError as exc:
                errors[commodity.id] = exc.errors
        if not entries and not errors:
            problem = _("请至少填写一个品种的价格")
        if not errors and not problem:
            try:
                with atomic():
                    results = [record(market, c, day, v, current_user, draft=draft,
                                      reference=refs.get((c.id, ""))) for c, v in entries]
            except PriceError as exc:
                problem = exc.message
            except sa.exc.IntegrityError:  # another reporter entered the same row in the same instant
                problem = _("同一时间有人提交了相同的价格，请刷新后再试")
            else:
                held = sum(1 for obs, written in results if written and obs.status.value == "held")
                written = sum(1 for _obs, w in results if w)
                if draft:
                    flash(_("已保存草稿：%(n)d 条", n=written), "success")
                else:
                    flash(_("已提交 %(n)d 条价格，其中 %(h)d 条偏离前一日较大，等待农业农村部门审核", n=written, h=held),
                          "success")
                return redirect(url_for("prices.report_day", market_id=market.id, day=day.isoformat()))
        if problem is None:
            problem = _("有价格需要修改，未保存任何内容")
    status = 400 if request.method == "POST" else 200
    return render_template("prices/report.html", market=market, day=day, commodities=commodities, refs=refs,
                           current=current, errors=errors, problem=problem, form=request.form,
                           today=local_today()), status


def _stash(market: Market) -> Stash:
    """A checked file waits here for its confirmation (in the media storage: any machine may confirm)."""
    return Stash("price-imports", market.id)


@bp.route("/prices/report/<int:market_id>/import", methods=["GET", "POST"])
@login_required
def report_import(market_id: int):
    market = reporter_market(market_id)
    day = _day()
    report, token, problem = None, None, None
    if request.method == "POST":
        token = request.form.get("token", "")
        try:
            if token:  # the confirmed preview: the file stashed with it, for this market only
                data = _stash(market).get(token, ".csv")
                if data is None:
                    abort(404)
                report = import_prices(market, day, data, current_user)
                if report.ok:
                    _stash(market).discard(token, ".csv")
                    flash(_("已导入 %(d)s 的价格：%(n)d 条", d=day.isoformat(), n=report.written), "success")
                    return redirect(url_for("prices.report_day", market_id=market.id, day=day.isoformat()))
                token = None
            else:
                upload = request.files.get("csv_file")
                data = read_upload(upload, 5 * 1024 * 1024)
                report = import_prices(market, day, data, current_user, dry_run=True, filename=upload.filename)
                # an .xlsx is kept under the same name: the confirmation tells it by its content
                token = _stash(market).put({".csv": data}) if report.ok else None
        except (MediaError, CsvFileError) as exc:
            problem, token = str(exc), None
    return render_template("prices/import.html", market=market, day=day, report=report, token=token,
                           problem=problem, columns=COLUMNS, today=local_today())
