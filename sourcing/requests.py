"""Request verbs: post (as a draft or open at once), publish, edit (an open request: a new revision,
the quoting shops told), cancel, and the closings (its deadline, by the periodic job; its maximum
of quotes, by the quote that reaches it). Each is one transaction."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.models import Category
from catalog.units import normalise_unit
from marketplace.accounts.models import User
from marketplace.db import as_utc, atomic, utcnow
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.picker import resolve_pick
from marketplace.shops.models import Shop, ShopStatus
from sourcing import attachments, matching, notify
from sourcing import parsing as p
from sourcing.errors import SourcingError
from sourcing.models import (
    Quote,
    RequestStatus,
    SourcingInvite,
    SourcingRequest,
    SourcingRequestChange,
    SourcingRequestRevision,
    Visibility,
)
from sourcing.status import EDITABLE, REQUEST_MACHINE

S = RequestStatus
#: The fields a revision snapshots (what the buyer asked for).
FIELDS = ("category_id", "title", "spec", "quantity", "unit", "target_price_cents", "region_id", "deliver_from",
          "deliver_until", "quote_deadline", "max_quotes", "visibility", "invoice_needed")


def _invites(raw) -> list[int]:
    """Invited shops, by id or slug (approved shops only; an unknown one is refused by name)."""
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace(" ", ",").split(",")
    names = [str(item).strip() for item in raw or () if str(item).strip()]
    if len(names) > 20:
        raise SourcingError(_("最多邀请 %(n)d 家店铺", n=20), field="invite")
    found = []
    for name in names:
        cond = Shop.id == int(name) if name.isdigit() and int(name) < 2**31 else Shop.slug == name[:80]
        shop = db.session.scalar(sa.select(Shop).where(cond, Shop.status == ShopStatus.APPROVED))
        if shop is None:
            raise SourcingError(_("没有找到店铺：%(name)s", name=name[:40]), field="invite")
        found.append(shop.id)
    return sorted(set(found))


def _region(values) -> Region | None:
    """The picker's chain (province first), or one region id at any level (the JSON API)."""
    values = [v for v in values or () if str(v or "").strip()]
    region = resolve_pick(values, allow_country=True)
    if region is None and len(values) == 1:
        raw = str(values[0]).strip()
        region = db.session.get(Region, int(raw)) if raw.isdigit() and int(raw) < 2**31 else None
    return region


def read_form(data, *, region_values=None) -> dict:
    """The request's fields from a form or a JSON body, every one checked (nothing is written)."""
    config = current_app.config
    category = db.session.get(Category, p.whole(data.get("category"), field="category", high=2**31 - 1)) \
        if str(data.get("category") or "").strip() else None
    if category is None or not category.active:
        raise SourcingError(_("请选择商品分类"), field="category")
    values = {"category_id": category.id,
              "title": p.text(data.get("title"), 120, field="title", required=_("请填写求购的商品")),
              "spec": p.text(data.get("spec"), 1000, field="spec"),
              "quantity": p.whole(data.get("quantity"), field="quantity")}
    unit = normalise_unit(p.text(data.get("unit"), 10, field="unit"))
    if unit is None:
        raise SourcingError(_("请选择计量单位"), field="unit")
    values["unit"] = unit
    values["target_price_cents"] = p.cents(data.get("target_price"), field="target_price")
    region = _region(region_values if region_values is not None else [data.get("region")])
    if region is None:
        raise SourcingError(_("请选择送货地区"), field="region")
    values["region_id"] = region.id
    values["deliver_from"] = p.date(data.get("deliver_from"), field="deliver_from")
    values["deliver_until"] = p.date(data.get("deliver_until"), field="deliver_until")
    today = p.local_today()
    if values["deliver_from"] and values["deliver_until"] and values["deliver_until"] < values["deliver_from"]:
        raise SourcingError(_("送货截止日期不能早于开始日期"), field="deliver_until")
    deadline = p.date(data.get("quote_deadline"), field="quote_deadline", required=True)
    if deadline < today or deadline > today + dt.timedelta(days=config["SOURCING_MAX_DEADLINE_DAYS"]):
        raise SourcingError(_("报价截止日期须在今天到 %(n)d 天之内", n=config["SOURCING_MAX_DEADLINE_DAYS"]),
                            field="quote_deadline")
    if values["deliver_until"] and values["deliver_until"] < deadline:
        raise SourcingError(_("送货截止日期不能早于报价截止日期"), field="deliver_until")
    values["quote_deadline"] = p.end_of_day_utc(deadline)
    values["max_quotes"] = p.whole(data.get("max_quotes"), field="max_quotes", high=config["SOURCING_MAX_QUOTES_LIMIT"],
                                   default=10)
    try:
        values["visibility"] = Visibility(str(data.get("visibility") or Visibility.PUBLIC.value))
    except ValueError:
        raise SourcingError(_("请选择谁能看到这条求购"), field="visibility") from None
    values["invoice_needed"] = str(data.get("invoice_needed") or "").lower() in ("1", "true", "on", "yes")
    values["invites"] = _invites(data.get("invite"))
    if values["visibility"] == Visibility.INVITED and not values["invites"]:
        raise SourcingError(_("仅邀请的商家可见时，请至少邀请一家店铺"), field="invite")
    return values


def _check_limits(buyer) -> None:
    config = current_app.config
    open_now = db.session.scalar(sa.select(sa.func.count()).select_from(SourcingRequest).where(
        SourcingRequest.buyer_id == buyer.id, SourcingRequest.status.in_((S.DRAFT, S.OPEN))))
    if open_now >= config["SOURCING_MAX_OPEN_PER_BUYER"]:
        raise SourcingError(_("您同时进行中的求购已达上限（%(n)d 条），请先结束一些", n=config["SOURCING_MAX_OPEN_PER_BUYER"]),
                            status=429, code="limit")
    today = db.session.scalar(sa.select(sa.func.count()).select_from(SourcingRequest).where(
        SourcingRequest.buyer_id == buyer.id, SourcingRequest.created_at >= utcnow() - dt.timedelta(days=1)))
    if today >= config["SOURCING_MAX_PER_DAY"]:
        raise SourcingError(_("每天最多发布 %(n)d 条求购，请明天再来", n=config["SOURCING_MAX_PER_DAY"]),
                            status=429, code="limit")


def _open(req: SourcingRequest, buyer) -> None:
    REQUEST_MACHINE.move(req, S.OPEN, actor=buyer)
    shops = {shop.id for shop in matching.matching_shops(req)} if req.visibility != Visibility.INVITED else set()
    notify.to_shops(req, shops | {i.shop_id for i in req.invites}, "new_request")


def post_request(buyer, data, *, uploads=(), region_values=None, publish: bool = True,
                 supply_post_id: int | None = None) -> SourcingRequest:
    """A buyer posts a request (open at once, or a draft with ``publish=False``). Refused, nothing
    saved, over his limits, with a bad field, or with a file that is not what it claims.
    ``supply_post_id``: the supply post it reserves a quantity of (sourcing.supply.reserve)."""
    values = read_form(data, region_values=region_values)
    files = attachments.read_all(uploads)
    with atomic():
        # The buyer's row locked: two posts at once cannot both pass his limits.
        db.session.execute(sa.select(User.id).where(User.id == buyer.id).with_for_update())
        _check_limits(buyer)
        invites = values.pop("invites")
        req = SourcingRequest(buyer_id=buyer.id, status=S.DRAFT, supply_post_id=supply_post_id, **values)
        req.invites = [SourcingInvite(shop_id=shop_id) for shop_id in invites]
        db.session.add(req)
        db.session.flush()
        db.session.add(SourcingRequestChange(request_id=req.id, from_status=None, to_status=S.DRAFT, actor_id=buyer.id))
        attachments.attach(req.id, files, buyer)
        if publish:
            _open(req, buyer)
    return req


def publish(req: SourcingRequest, buyer) -> SourcingRequest:
    with atomic():
        if as_utc(req.quote_deadline) <= utcnow():
            raise SourcingError(_("报价截止时间已过，请先修改截止日期"), field="quote_deadline")
        _open(req, buyer)
    return req


def snapshot(req: SourcingRequest) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(req, name)
        out[name] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else (
            value.value if hasattr(value, "value") else value)
    return out


def quoting_shop_ids(req: SourcingRequest) -> list[int]:
    return list(db.session.scalars(sa.select(Quote.shop_id).where(Quote.request_id == req.id)))


def edit_request(req: SourcingRequest, buyer, data, *, uploads=(), region_values=None) -> SourcingRequest:
    """Change a draft in place, or an open request as a new revision (the old one kept, the shops
    that quoted told). The maximum cannot go below the quotes already received."""
    values = read_form(data, region_values=region_values)
    files = attachments.read_all(uploads, already=len(req.attachments))
    with atomic():
        db.session.refresh(req, with_for_update=True)
        if req.status not in EDITABLE:
            raise SourcingError(_("这条求购已结束，不能再修改"), status=409, code="not_allowed")
        if values["max_quotes"] < req.quote_count:
            raise SourcingError(_("已收到 %(n)d 个报价，最多报价数不能少于这个数", n=req.quote_count), field="max_quotes")
        invites = values.pop("invites")
        if req.status == S.OPEN:
            db.session.add(SourcingRequestRevision(request_id=req.id, number=req.revision, snapshot=snapshot(req),
                                                   actor_id=buyer.id))
            req.revision += 1
        for name, value in values.items():
            setattr(req, name, value)
        known = {i.shop_id for i in req.invites}
        req.invites.extend(SourcingInvite(shop_id=i) for i in invites if i not in known)
        attachments.attach(req.id, files, buyer)
        if req.status == S.OPEN:
            notify.to_shops(req, quoting_shop_ids(req), "request_revised")
    return req


def cancel(req: SourcingRequest, buyer) -> SourcingRequest:
    with atomic():
        was_open = req.status != S.DRAFT
        REQUEST_MACHINE.move(req, S.CANCELLED, actor=buyer)
        if was_open:
            notify.to_shops(req, quoting_shop_ids(req), "request_cancelled")
    return req


def expire_due(now: dt.datetime | None = None) -> int:
    """The periodic job: open requests past their quote deadline stop taking quotes (expired)."""
    now = now or utcnow()
    done = 0
    ids = list(db.session.scalars(sa.select(SourcingRequest.id).where(
        SourcingRequest.status == S.OPEN, SourcingRequest.quote_deadline <= now).limit(500)))
    for req_id in ids:
        with atomic():
            req = db.session.get(SourcingRequest, req_id)
            if req is not None and req.status == S.OPEN:
                REQUEST_MACHINE.move(req, S.EXPIRED, note=_("报价截止时间已到"))
                done += 1
    return done
