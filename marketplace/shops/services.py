"""Merchant onboarding: apply for a shop, edit it, and move it through its status machine.

Each verb runs in one transaction and either completes or changes nothing. Staff invitations
live in marketplace.shops.staff.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.cache import cached, watch
from marketplace.db import atomic, in_ranges, utcnow
from marketplace.extensions import db
from marketplace.mail.notices import notify
from marketplace.media import MediaError, StoredImage, ingest_image, open_image, read_upload
from marketplace.regions.services import county_by_code, descendant_ids, selectable_region
from marketplace.shops.labels import SHOP_STATUS_LABELS
from marketplace.shops.models import (
    MemberRole,
    Shop,
    ShopMember,
    ShopStatus,
    ShopStatusChange,
    ShopType,
)
from marketplace.shops.policy import ensure_not_suspended
from marketplace.shops.validation import (
    FieldError,
    ShopError,
    normalise_licence_number,
    normalise_phone,
    slug_base,
)
from marketplace.states import StateMachine
from marketplace.web import absolute_url

#: The cache group of what lists shops (the home page's newest shops), bumped by any change of a shop.
GROUP = "shops"
watch(GROUP, Shop)

#: Longest reason for a rejection or suspension (it is shown to the shop and e-mailed).
REASON_MAX = 2000

SHOP_STATES = StateMachine("shop", {
    ShopStatus.PENDING: {ShopStatus.APPROVED, ShopStatus.REJECTED},
    ShopStatus.REJECTED: {ShopStatus.PENDING},  # the applicant edits and applies again
    ShopStatus.APPROVED: {ShopStatus.SUSPENDED, ShopStatus.CLOSED},
    ShopStatus.SUSPENDED: {ShopStatus.APPROVED, ShopStatus.CLOSED},
}, labels=SHOP_STATUS_LABELS, history=ShopStatusChange, history_key="shop_id", note_column="reason",
    note_length=REASON_MAX)

#: Moves that must say why (the reason is shown to the shop and e-mailed).
REASON_REQUIRED = {ShopStatus.REJECTED, ShopStatus.SUSPENDED, ShopStatus.CLOSED}

LICENCE_PREFIX = "private/licences"
LICENCE_SIZES = (800,)
LOGO_PREFIX = "public/logos"
LOGO_SIZES = (160, 480)

#: Fields the owner may change once the shop is approved; the rest are checked by the admin.
ALWAYS_EDITABLE = ("name", "description", "address", "phone", "region_id", "market_name", "stall_number")
REVIEWED_FIELDS = ("shop_type", "licence_number")
FIELDS = ALWAYS_EDITABLE + REVIEWED_FIELDS


# --- helpers ---------------------------------------------------------------------------------

def member_of(user_id: int) -> ShopMember | None:
    """The user's membership read from the database (services decide on it, not on a loaded user)."""
    return db.session.scalar(sa.select(ShopMember).where(ShopMember.user_id == user_id))


def shop_owner(shop: Shop):
    member = next((m for m in shop.members if m.is_owner), None)
    return member.user if member else None


def image_key(prefix: str | None, size: int | str) -> str | None:
    """Storage key of one derivative of a stored image (``size`` 0 or "full" for the full image)."""
    if not prefix:
        return None
    return f"{prefix}-{'full' if size in (0, 'full') else int(size)}.webp"


def _image_prefix(stored: StoredImage, prefix: str) -> str:
    return f"{prefix}/{stored.digest[:2]}/{stored.digest}"


def clean_shop_data(data: dict[str, Any], fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    """Validate and normalise shop fields; ShopError maps every bad field to its message.

    Only ``fields`` are checked and returned (an approved shop's licence number is not re-judged).
    """
    errors: dict[str, str | list[str]] = {}
    out: dict[str, Any] = {}

    def text(key: str, limit: int, required: bool, minimum: int = 1) -> str | None:
        value = (data.get(key) or "")
        value = value.strip() if isinstance(value, str) else str(value).strip()
        if not value:
            if required:
                errors[key] = _("请填写这一项")
            return None
        if len(value) < minimum or len(value) > limit:
            errors[key] = _("长度应在 %(min)d 到 %(max)d 个字之间", min=minimum, max=limit)
        return value

    out["name"] = text("name", 80, True, 2)
    try:
        out["shop_type"] = ShopType(data.get("shop_type"))
    except ValueError:
        errors["shop_type"] = _("请选择店铺类型")
        out["shop_type"] = None
    market = text("market_name", 80, out["shop_type"] == ShopType.MARKET_STALL)
    stall = text("stall_number", 40, out["shop_type"] == ShopType.MARKET_STALL)
    is_stall = out["shop_type"] == ShopType.MARKET_STALL
    out["market_name"] = market if is_stall else None
    out["stall_number"] = stall if is_stall else None
    region = selectable_region(data.get("region_id"))
    if region is None:
        errors["region_id"] = _("请选择所在的县区或乡镇")
    out["region_id"] = region.id if region else None
    out["address"] = text("address", 200, True, 2)
    for key, check in (("phone", normalise_phone), ("licence_number", normalise_licence_number)):
        try:
            out[key] = check(data.get(key) or "")
        except FieldError as exc:
            errors[key] = str(exc)
    out["description"] = text("description", 2000, False) or ""
    errors = {k: v for k, v in errors.items() if k in fields}
    if errors:
        raise ShopError(errors=errors)
    return {k: v for k, v in out.items() if k in fields}


def _read_images(licence_file, logo_file) -> tuple[bytes | None, bytes | None]:
    """Read and check both uploads before anything is stored, so a bad logo stores no licence."""
    limit = current_app.config["UPLOAD_IMAGE_MAX_BYTES"]
    pixels = current_app.config["UPLOAD_IMAGE_MAX_PIXELS"]
    found: dict[str, bytes | None] = {"licence_image": None, "logo": None}
    errors: dict[str, str | list[str]] = {}
    for field, upload in (("licence_image", licence_file), ("logo", logo_file)):
        if upload is None or not getattr(upload, "filename", None):
            continue
        try:
            data = read_upload(upload, limit)
            open_image(data, pixels).close()
            found[field] = data
        except MediaError as exc:
            errors[field] = str(exc)
    if errors:
        raise ShopError(errors=errors)
    return found["licence_image"], found["logo"]


def _store(data: bytes, prefix: str, sizes: tuple[int, ...], keep_full: bool, field: str) -> str:
    try:
        return _image_prefix(ingest_image(data, prefix=prefix, sizes=sizes, keep_full=keep_full), prefix)
    except MediaError as exc:
        raise ShopError(str(exc), field=field) from None


def unique_slug(name: str) -> str:
    base = slug_base(name)
    taken = set(db.session.scalars(sa.select(Shop.slug).where(
        sa.or_(Shop.slug == base, Shop.slug.like(f"{base}-%")))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _notify_status(shop: Shop, status: ShopStatus, reason: str | None) -> None:
    owner = shop_owner(shop)
    if owner is None:
        return
    notify(owner, "shop_status", sms={"shop": shop.name}, sms_template=f"shop_{status.value}", shop=shop,
           status=status.value,
           reason=reason, user=owner, application_url=absolute_url("shops.application"),
           shop_url=absolute_url("shops.show", slug=shop.slug))


@contextmanager
def _saved_or_refused():
    """One transaction for a shop verb; a conflicting row at commit becomes a ShopError, not a 500."""
    try:
        with atomic():
            yield
    except sa.exc.IntegrityError:
        raise ShopError(_("保存失败：店铺信息与已有记录冲突，请刷新后重试")) from None


# --- verbs -----------------------------------------------------------------------------------

def apply_for_shop(user, data: dict[str, Any], licence_file, logo_file=None) -> Shop:
    """Create a pending shop owned by ``user`` (one shop per user) with its licence scan and logo.

    Refusals raise ShopError (per field, for the form) and leave nothing behind.
    """
    if member_of(user.id) is not None:
        raise ShopError(_("每个账号只能开一家店铺，您已经有店铺了"))
    errors: dict[str, str | list[str]] = {}
    try:
        values = clean_shop_data(data)
    except ShopError as exc:
        errors.update(exc.errors)
        values = {}
    if licence_file is None or not getattr(licence_file, "filename", None):
        errors.setdefault("licence_image", _("请上传营业执照照片"))
    try:
        licence_bytes, logo_bytes = _read_images(licence_file, logo_file)
    except ShopError as exc:
        errors.update(exc.errors)
    if errors:
        raise ShopError(errors=errors)

    try:
        with atomic():
            shop = Shop(slug=unique_slug(values["name"]), status=ShopStatus.PENDING, **values)
            shop.licence_image = _store(licence_bytes, LICENCE_PREFIX, LICENCE_SIZES, True, "licence_image")
            if logo_bytes:
                shop.logo_image = _store(logo_bytes, LOGO_PREFIX, LOGO_SIZES, False, "logo")
            shop.members.append(ShopMember(user=user, role=MemberRole.OWNER))
            db.session.add(shop)
            db.session.flush()
            db.session.add(ShopStatusChange(shop_id=shop.id, from_status=None, to_status=ShopStatus.PENDING,
                                            actor_id=user.id))
            _notify_status(shop, ShopStatus.PENDING, None)
    except sa.exc.IntegrityError:  # a concurrent application by the same user, or the same slug
        if member_of(user.id) is not None:
            raise ShopError(_("每个账号只能开一家店铺，您已经有店铺了")) from None
        raise ShopError(_("同名店铺刚刚被创建，请再提交一次")) from None
    return shop


def set_shop_status(shop: Shop, target: ShopStatus | str, actor, reason: str | None = None) -> ShopStatusChange:
    """Move a shop along SHOP_STATES, recording who/when/why and e-mailing the owner in his language.

    Raises InvalidTransition (409) for a move the machine does not allow, and ShopError when a
    rejection or suspension has no reason. Inside a caller's ``atomic()`` block it joins that
    transaction (the admin's audit entry commits with it).
    """
    target = ShopStatus(target)
    reason = (reason or "").strip() or None
    SHOP_STATES.check(shop.status, target)
    if target in REASON_REQUIRED and not reason:
        raise ShopError(_("拒绝或暂停店铺时必须填写原因"), field="reason")
    if reason and len(reason) > REASON_MAX:
        raise ShopError(_("原因太长：不能超过 %(max)d 个字", max=REASON_MAX), field="reason")
    fields = {"status_reason": reason if target in REASON_REQUIRED else None}
    if target == ShopStatus.APPROVED and shop.approved_at is None:
        fields["approved_at"] = utcnow()  # the first approval only: a reinstated shop keeps its date
    with atomic():
        change = SHOP_STATES.move(shop, target, actor=actor, note=reason, **fields)
        _notify_status(shop, target, reason)
    return change


def editable_fields(shop: Shop) -> tuple[str, ...]:
    """What the owner may change now: licence details and type only before approval."""
    if shop.status in (ShopStatus.PENDING, ShopStatus.REJECTED):
        return FIELDS
    return ALWAYS_EDITABLE


def update_shop(shop: Shop, data: dict[str, Any], actor, *, logo_file=None, licence_file=None) -> Shop:
    """The owner's edits. Fields missing from ``data`` keep their value; a rejected shop goes back
    to pending for another review. A suspended shop's profile is frozen."""
    ensure_not_suspended(shop)
    allowed = editable_fields(shop)
    merged = {key: getattr(shop, key) for key in FIELDS}
    merged["shop_type"] = shop.shop_type.value
    merged.update({k: v for k, v in data.items() if k in allowed})
    errors: dict[str, str | list[str]] = {}
    try:
        values = clean_shop_data(merged, allowed)
    except ShopError as exc:
        errors.update(exc.errors)
        values = {}
    if licence_file is not None and getattr(licence_file, "filename", None) and "licence_number" not in allowed:
        errors["licence_image"] = _("店铺通过审核后不能再更换营业执照，请联系平台")
        licence_file = None
    try:
        licence_bytes, logo_bytes = _read_images(licence_file, logo_file)
    except ShopError as exc:
        errors.update(exc.errors)
    if errors:
        raise ShopError(errors=errors)
    with _saved_or_refused():
        for key, value in values.items():
            if getattr(shop, key) != value:
                setattr(shop, key, value)
        if licence_bytes:
            shop.licence_image = _store(licence_bytes, LICENCE_PREFIX, LICENCE_SIZES, True, "licence_image")
        if logo_bytes:
            shop.logo_image = _store(logo_bytes, LOGO_PREFIX, LOGO_SIZES, False, "logo")
        if shop.status == ShopStatus.REJECTED:
            set_shop_status(shop, ShopStatus.PENDING, actor)
    return shop


def status_history(shop: Shop) -> list[ShopStatusChange]:
    return list(db.session.scalars(sa.select(ShopStatusChange).where(ShopStatusChange.shop_id == shop.id)
                                   .order_by(ShopStatusChange.created_at.desc(), ShopStatusChange.id.desc())))


def newest_shops(limit: int = 8) -> list[SimpleNamespace]:
    """The newest approved shops (home page): their slug and name, kept under the "shops" cache group,
    which every change of a shop bumps (a statement on every home view before)."""

    def build():
        rows = db.session.execute(sa.select(Shop.slug, Shop.name).where(Shop.status == ShopStatus.APPROVED)
                                  .order_by(sa.nulls_last(Shop.approved_at.desc()), Shop.id.desc()).limit(limit))
        return [SimpleNamespace(slug=slug, name=name) for slug, name in rows]

    return cached(GROUP, f"newest-shops:{int(limit)}", build, 60)


def directory_query(county_code: str | None, shop_type: str | None, q: str | None):
    """Approved shops, newest first, filtered by county (code), type and a name/pinyin search."""
    query = sa.select(Shop).where(Shop.status == ShopStatus.APPROVED)
    county = county_by_code(county_code)
    if county is not None:
        query = query.where(in_ranges(Shop.region_id, descendant_ids(county)))
    if shop_type in {t.value for t in ShopType}:
        query = query.where(Shop.shop_type == ShopType(shop_type))
    q = (q or "").strip()[:80]
    if q:
        compact = q.lower().replace(" ", "").replace("-", "")
        query = query.where(sa.or_(Shop.name.icontains(q, autoescape=True),
                                   sa.func.replace(Shop.slug, "-", "").contains(compact, autoescape=True)))
    return query.order_by(sa.nulls_last(Shop.approved_at.desc()), Shop.id.desc()), county
