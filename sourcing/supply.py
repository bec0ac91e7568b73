"""Supply verbs (供应): a shop's staff posts what it will have, edits it, withdraws it or marks it sold
out (and reopens it while its window lasts); the periodic job expires posts whose window ended; a
buyer reserves a quantity, which is a request (求购) sent to that shop only, through the request
service and its rules. Each verb is one transaction; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from catalog.models import Category, Product
from catalog.units import normalise_unit, unit_name, weight_grams
from marketplace import money
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.media import ingest_image, read_images
from marketplace.shops.models import SHOP_ROLES, Shop, ShopStatus
from sourcing import parsing as p
from sourcing import requests as request_service
from sourcing.errors import SourcingError
from sourcing.models import SourcingRequest, Visibility
from sourcing.status import EDITABLE as EDITABLE_REQUESTS
from sourcing.supply_models import SupplyPhoto, SupplyPost, SupplyPostChange, SupplyStatus
from sourcing.supply_status import EDITABLE, SUPPLY_MACHINE

S = SupplyStatus
PREFIX = "public/supply"
SIZES = (320, 1600)
#: The dearest unit price a post may name (1 亿元): anything above is a typo.
MAX_PRICE_CENTS = 10**10
#: How far ahead a window may reach.
MAX_WINDOW_DAYS = 400
#: Days a reservation's shop has to answer (its quote deadline), at most.
RESERVE_ANSWER_DAYS = 7


def is_member(user, shop_id: int) -> bool:
    """``user`` works in the shop (an owner's or staff grant scoped to it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(grant.role in SHOP_ROLES and grant.scope == ("shop", shop_id) for grant in user.roles)


def _category(raw) -> Category:
    category = db.session.get(Category, p.whole(raw, field="category", high=2**31 - 1)) \
        if str(raw or "").strip() else None
    if category is None or not category.active:
        raise SourcingError(_("请选择商品分类"), field="category")
    return category


def _product(shop: Shop, raw) -> int | None:
    """One of the shop's own (not deleted) listings; another shop's id is a 404."""
    if not str(raw or "").strip():
        return None
    product_id = p.whole(raw, field="product", high=2**31 - 1)
    found = db.session.scalar(sa.select(Product.id).where(Product.id == product_id, Product.shop_id == shop.id,
                                                          Product.deleted_at.is_(None)))
    if found is None:
        raise SourcingError(_("没有找到这个商品"), status=404, code="not_found", field="product")
    return found


def _price(raw, field: str) -> int | None:
    value = p.cents(raw, field=field)
    if value is not None and value > MAX_PRICE_CENTS:
        raise SourcingError(_("单价不能超过 %(max)s", max=money.format_plain(MAX_PRICE_CENTS)), field=field)
    return value


def read_form(shop: Shop, data, *, region_values=None) -> dict:
    """The post's fields from a form or a JSON body, every one checked (nothing is written)."""
    values = {"category_id": _category(data.get("category")).id,
              "title": p.text(data.get("title"), 120, field="title", required=_("请填写供应的商品")),
              "spec": p.text(data.get("spec"), 1000, field="spec"),
              "quantity": p.whole(data.get("quantity"), field="quantity")}
    unit = normalise_unit(p.text(data.get("unit"), 10, field="unit"))
    if unit is None:
        raise SourcingError(_("请选择计量单位"), field="unit")
    values["unit"] = unit
    values["product_id"] = _product(shop, data.get("product"))
    region = request_service._region(region_values if region_values is not None else [data.get("region")])  # noqa: SLF001
    if region is None:
        raise SourcingError(_("请选择产地"), field="region")
    values["region_id"] = region.id
    start = p.date(data.get("available_from"), field="available_from", required=True)
    end = p.date(data.get("available_until"), field="available_until", required=True)
    today = p.local_today()
    if end < start:
        raise SourcingError(_("供应结束日期不能早于开始日期"), field="available_until")
    if end < today:
        raise SourcingError(_("供应结束日期不能早于今天"), field="available_until")
    if end > today + dt.timedelta(days=MAX_WINDOW_DAYS):
        raise SourcingError(_("供应时间须在 %(n)d 天之内", n=MAX_WINDOW_DAYS), field="available_until")
    values["available_from"], values["available_until"] = start, end
    low, high = _price(data.get("price_min"), "price_min"), _price(data.get("price_max"), "price_max")
    if low is not None and high is not None and low > high:
        raise SourcingError(_("最低价不能高于最高价"), field="price_max")
    values["price_min_cents"], values["price_max_cents"] = low, high
    return values


def read_photos(uploads, *, already: int = 0) -> list[bytes]:
    """The uploaded photos' bytes, each judged by its content; too many, too big or not an image is
    refused, naming the file."""
    files = [f for f in (uploads or ()) if getattr(f, "filename", "")]
    limit = current_app.config["SOURCING_SUPPLY_MAX_PHOTOS"]
    if already + len(files) > limit:
        raise SourcingError(_("最多上传 %(n)d 张照片", n=limit), field="photos")
    return read_images(files, max_bytes=current_app.config["SOURCING_FILE_MAX_BYTES"], error=SourcingError,
                       field="photos")


def _attach(post: SupplyPost, photos: list[bytes], start: int) -> None:
    for n, data in enumerate(photos, start=start):
        stored = ingest_image(data, prefix=PREFIX, sizes=SIZES)
        post.photos.append(SupplyPhoto(key=stored.key(SIZES[-1]), thumb_key=stored.key(SIZES[0]), width=stored.width,
                                       height=stored.height, position=n))


def _check_shop(shop: Shop) -> None:
    if shop.status != ShopStatus.APPROVED:
        raise SourcingError(_("店铺未通过审核或已被暂停，不能发布或修改供应信息"), status=409, code="shop_not_approved")


def _check_limit(shop: Shop) -> None:
    limit = current_app.config["SOURCING_SUPPLY_PER_SHOP_PER_DAY"]
    posted = db.session.scalar(sa.select(sa.func.count()).select_from(SupplyPost).where(
        SupplyPost.shop_id == shop.id, SupplyPost.created_at >= utcnow() - dt.timedelta(days=1)))
    if posted >= limit:
        raise SourcingError(_("每家店铺每天最多发布 %(n)d 条供应，请明天再来", n=limit), status=429, code="limit")


def post_supply(shop: Shop, user, data, *, uploads=(), region_values=None) -> SupplyPost:
    """The shop's staff posts supply (open at once). Refused, nothing saved, over the shop's daily
    limit, with a bad field, another shop's product, or a photo that is not an image."""
    _check_shop(shop)
    values = read_form(shop, data, region_values=region_values)
    photos = read_photos(uploads)
    with atomic():
        # The shop's row locked: two posts at once cannot both pass its daily limit.
        db.session.execute(sa.select(Shop.id).where(Shop.id == shop.id).with_for_update())
        _check_limit(shop)
        post = SupplyPost(shop_id=shop.id, author_id=user.id, status=S.OPEN, **values)
        db.session.add(post)
        db.session.flush()
        db.session.add(SupplyPostChange(post_id=post.id, from_status=None, to_status=S.OPEN, actor_id=user.id))
        _attach(post, photos, 0)
    return post


def edit_supply(post: SupplyPost, user, data, *, uploads=(), region_values=None, remove=()) -> SupplyPost:
    """Change the post (not once expired); ``remove``: ids of its photos to drop."""
    _check_shop(post.shop)
    values = read_form(post.shop, data, region_values=region_values)
    dropped = {int(i) for i in remove or () if str(i).isdigit()}
    keep = [ph for ph in post.photos if ph.id not in dropped]
    photos = read_photos(uploads, already=len(keep))
    with atomic():
        db.session.refresh(post, with_for_update=True)
        if post.status not in EDITABLE:
            raise SourcingError(_("这条供应已过期，不能再修改；请发布新的供应"), status=409, code="not_allowed")
        for name, value in values.items():
            setattr(post, name, value)
        for photo in [ph for ph in post.photos if ph.id in dropped]:
            post.photos.remove(photo)
        _attach(post, photos, max((ph.position for ph in post.photos), default=-1) + 1)
    return post


def set_status(post: SupplyPost, user, target: SupplyStatus) -> SupplyPost:
    """Withdraw, mark sold out, or reopen (only while its window lasts)."""
    target = SupplyStatus(target)
    with atomic():
        if target == S.OPEN:
            _check_shop(post.shop)
            if post.available_until < p.local_today():
                raise SourcingError(_("供应期已过，请先修改供应时间"), status=409, code="window_passed",
                                    field="available_until")
            SUPPLY_MACHINE.move(post, S.OPEN, actor=user, ended_at=None)
        else:
            SUPPLY_MACHINE.move(post, target, actor=user)
    return post


def expire_due(today: dt.date | None = None) -> int:
    """The periodic job: open posts whose window ended are expired. How many."""
    today = today or p.local_today()
    done = 0
    ids = list(db.session.scalars(sa.select(SupplyPost.id).where(
        SupplyPost.status == S.OPEN, SupplyPost.available_until < today).limit(500)))
    for post_id in ids:
        with atomic():
            post = db.session.get(SupplyPost, post_id)
            if post is not None and post.status == S.OPEN and post.available_until < today:
                SUPPLY_MACHINE.move(post, S.EXPIRED, note=_("供应期已结束"))
                done += 1
    return done


def is_live(post: SupplyPost) -> bool:
    """Open, within its window, from an approved shop: buyers may reserve it."""
    return (post.status == S.OPEN and post.available_until >= p.local_today()
            and post.shop.status == ShopStatus.APPROVED)


def per_kg(post: SupplyPost) -> tuple[int | None, int | None] | None:
    """The price range per kilogram where the unit converts through the unit table, else None."""
    grams = weight_grams(post.unit)
    if not grams or (post.price_min_cents is None and post.price_max_cents is None):
        return None

    def conv(cents):
        return None if cents is None else (cents * 1000 + grams // 2) // grams

    return conv(post.price_min_cents), conv(post.price_max_cents)


def reserve(post: SupplyPost, buyer, data, *, region_values=None) -> SourcingRequest:
    """A buyer reserves a quantity: a request for the post's goods sent to its shop only (invited),
    linked back to the post, through the request service (its checks, limits and notices)."""
    if not is_live(post):
        raise SourcingError(_("这条供应已停止，不能预订"), status=409, code="not_open")
    if is_member(buyer, post.shop_id):
        raise SourcingError(_("不能预订自己店铺的供应"), status=409, code="own_shop")
    # one open reservation per buyer and post: a double submit (or two tabs) makes one request; the
    # post's row lock orders two at once (SQLite serialises the writes itself)
    db.session.execute(sa.select(SupplyPost.id).where(SupplyPost.id == post.id).with_for_update())
    if db.session.scalar(sa.select(SourcingRequest.id).where(
            SourcingRequest.supply_post_id == post.id, SourcingRequest.buyer_id == buyer.id,
            SourcingRequest.status.in_(EDITABLE_REQUESTS))) is not None:
        raise SourcingError(_("您已预订过这条供应，请在“我的求购”中查看或修改"), status=409, code="already_reserved")
    quantity = p.whole(data.get("quantity"), field="quantity")
    if quantity > post.quantity:
        raise SourcingError(_("最多可预订 %(n)d %(unit)s", n=post.quantity, unit=unit_name(post.unit)),
                            field="quantity")
    today = p.local_today()
    deliver_until = p.date(data.get("deliver_until"), field="deliver_until")
    answer_by = today + dt.timedelta(days=RESERVE_ANSWER_DAYS)
    if deliver_until is not None and today <= deliver_until < answer_by:
        answer_by = deliver_until
    spec = data.get("spec")
    form = {"category": str(post.category_id), "title": post.title,
            "spec": post.spec if spec is None else spec, "quantity": str(quantity), "unit": post.unit,
            "target_price": data.get("target_price") or "", "region": data.get("region") or "",
            "deliver_from": data.get("deliver_from") or "", "deliver_until": data.get("deliver_until") or "",
            "quote_deadline": answer_by.isoformat(), "max_quotes": "1", "visibility": Visibility.INVITED.value,
            "invoice_needed": data.get("invoice_needed") or "", "invite": [str(post.shop_id)]}
    return request_service.post_request(buyer, form, region_values=region_values, supply_post_id=post.id)


def visible_post(post_id: int, user) -> SupplyPost | None:
    """A post of an approved shop, not withdrawn (its shop's members see theirs in every state),
    loaded with what its page shows; else None (a 404)."""
    post = db.session.scalar(sa.select(SupplyPost).where(SupplyPost.id == post_id).options(
        joinedload(SupplyPost.shop), joinedload(SupplyPost.category), joinedload(SupplyPost.region),
        joinedload(SupplyPost.product), selectinload(SupplyPost.photos)))
    if post is None or is_member(user, post.shop_id):
        return post
    if post.shop.status != ShopStatus.APPROVED or post.status == S.WITHDRAWN:
        return None
    return post
