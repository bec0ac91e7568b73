"""Licence verbs: a shop uploads a licence, the platform verifies, rejects or revokes it; the
categories' requirements; the publish guard the catalogue asks.

Each verb runs in one ``atomic()`` transaction: the row, its history row (the shared state machine),
the audit entry of an admin's move and the shop's notice commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from catalog.categories import descendant_ids
from catalog.services.requalify import recheck_listings
from licences import notify
from licences.labels import STATUS_LABELS, type_label
from licences.models import (
    CategoryLicence,
    LicenceStatus,
    LicenceStatusChange,
    LicenceType,
    ScanKind,
    ShopLicence,
)
from marketplace.admin.services import record_audit
from marketplace.db import atomic, utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.figures import site_zone
from marketplace.media import PDF_MAGIC, MediaError, get_storage, ingest_image, open_image, read_upload
from marketplace.pdf import validate_pdf
from marketplace.shops.policy import ensure_not_suspended
from marketplace.states import StateMachine
from marketplace.text import single_line

S = LicenceStatus
SCAN_PREFIX = "private/shop-licences"
SCAN_SIZES = (1600,)
REASON_MAX = 500

LICENCE_MACHINE = StateMachine("licence", {
    S.PENDING: {S.VERIFIED, S.REJECTED},
    S.VERIFIED: {S.EXPIRED, S.REVOKED},
}, labels=STATUS_LABELS, history=LicenceStatusChange, history_key="licence_id", note_length=REASON_MAX,
    stamps={S.VERIFIED: "verified_at"})


class LicenceError(DomainError):
    """A licence action was refused; ``errors`` maps form fields to their messages."""

    status = 422
    code = "licence_refused"


def local_today() -> dt.date:
    """Today in the site's time zone: a licence is valid through its expiry date, local time."""
    return utcnow().astimezone(site_zone()).date()


# --- the scan ---------------------------------------------------------------------------------

def read_scan(upload) -> tuple[ScanKind, bytes]:
    """The uploaded scan judged by its content: a clean PDF (marketplace.pdf) or an image (the image
    pipeline); anything else is refused with the reason. Nothing is stored yet."""
    config = current_app.config
    limit = config["LICENCE_SCAN_MAX_BYTES"]
    data = read_upload(upload, limit)
    if data.startswith(PDF_MAGIC):
        validate_pdf(data, max_bytes=limit, max_pages=config["LICENCE_PDF_MAX_PAGES"])
        return ScanKind.PDF, data
    open_image(data, config["UPLOAD_IMAGE_MAX_PIXELS"]).close()
    return ScanKind.IMAGE, data


def store_scan(kind: ScanKind, data: bytes) -> str:
    """Store a checked scan privately: an image re-encoded (no metadata), a PDF as validated."""
    if kind == ScanKind.IMAGE:
        stored = ingest_image(data, prefix=SCAN_PREFIX, sizes=SCAN_SIZES)
        return stored.key(SCAN_SIZES[0])
    digest = hashlib.sha256(data).hexdigest()[:32]
    return get_storage().save(f"{SCAN_PREFIX}/{digest[:2]}/{digest}.pdf", data)


# --- the shop's upload ------------------------------------------------------------------------

def _date(form: Mapping, key: str, errors: dict) -> dt.date | None:
    raw = (form.get(key) or "").strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[key] = [_("请填写日期（年-月-日）")]
        return None


def _text(form: Mapping, key: str, limit: int, errors: dict, required: bool = True) -> str:
    value = single_line(form.get(key) or "", 10_000).strip() if key != "scope" else (form.get(key) or "").strip()
    if required and not value:
        errors[key] = [_("请填写这一项")]
    elif len(value) > limit:
        errors[key] = [_("不能超过 %(n)d 个字", n=limit)]
    return value


def clean_fields(form: Mapping) -> dict:
    """The licence's fields from a form, checked; LicenceError names every bad field."""
    errors: dict[str, list[str]] = {}
    try:
        kind = LicenceType(form.get("licence_type") or "")
    except ValueError:
        errors["licence_type"] = [_("请选择许可证类型")]
        kind = None
    values = {"licence_type": kind, "number": _text(form, "number", 60, errors),
              "holder": _text(form, "holder", 120, errors), "scope": _text(form, "scope", 1000, errors),
              "issued_on": _date(form, "issued_on", errors), "expires_on": _date(form, "expires_on", errors)}
    issued, expires = values["issued_on"], values["expires_on"]
    if issued and issued > local_today():
        errors["issued_on"] = [_("发证日期不能晚于今天")]
    if issued and expires and expires < issued:
        errors["expires_on"] = [_("有效期至不能早于发证日期")]
    elif expires and expires < local_today():
        errors["expires_on"] = [_("许可证已过有效期，请上传有效的许可证")]
    if errors:
        raise LicenceError(next(iter(errors.values()))[0], errors=errors)
    return values


def submit_licence(shop, actor, form: Mapping, upload) -> ShopLicence:
    """A shop member uploads a licence: pending until the platform verifies it (and the admins are
    told). The scan is judged before anything is written; a refusal leaves nothing behind."""
    ensure_not_suspended(shop)
    errors: dict[str, list[str]] = {}
    try:
        values = clean_fields(form)
    except LicenceError as exc:
        errors.update(exc.errors)
        values = {}
    scan = None
    try:
        scan = read_scan(upload)
    except MediaError as exc:
        errors["scan"] = [str(exc)]
    if errors:
        raise LicenceError(next(iter(errors.values()))[0], errors=errors)
    with atomic():
        licence = ShopLicence(shop_id=shop.id, uploaded_by_id=actor.id, status=S.PENDING,
                              scan_key=store_scan(*scan), scan_kind=scan[0], **values)
        db.session.add(licence)
        db.session.flush()
        db.session.add(LicenceStatusChange(licence_id=licence.id, from_status=None, to_status=S.PENDING,
                                           actor_id=actor.id))
    return licence


# --- the platform's review --------------------------------------------------------------------

def _snapshot(licence: ShopLicence) -> dict:
    return {"status": LicenceStatus(licence.status).value, "expires_on": licence.expires_on.isoformat()}


def _review(licence: ShopLicence, target: LicenceStatus, actor, reason: str | None, action: str) -> ShopLicence:
    reason = (reason or "").strip() or None
    LICENCE_MACHINE.check(LicenceStatus(licence.status), target)
    if target in (S.REJECTED, S.REVOKED) and not reason:
        raise LicenceError(_("请填写原因：店铺会在通知中看到它。"), field="reason")
    if reason and len(reason) > REASON_MAX:
        raise LicenceError(_("原因太长：不能超过 %(max)d 个字", max=REASON_MAX), field="reason")
    if target == S.VERIFIED and licence.expires_on < local_today():
        raise LicenceError(_("许可证已过有效期，不能核验通过"))
    with atomic():
        before = _snapshot(licence)
        fields = {"status_reason": reason} if target in (S.REJECTED, S.REVOKED) else {"status_reason": None}
        LICENCE_MACHINE.move(licence, target, actor=actor, note=reason, **fields)
        record_audit(actor, action, "shop_licence", licence.id, before=before, after=_snapshot(licence), note=reason)
        notify.reviewed(licence)
    return licence


def verify(licence: ShopLicence, actor) -> ShopLicence:
    return _review(licence, S.VERIFIED, actor, None, "licence.verify")


def reject(licence: ShopLicence, actor, reason: str | None) -> ShopLicence:
    return _review(licence, S.REJECTED, actor, reason, "licence.reject")


def revoke(licence: ShopLicence, actor, reason: str | None) -> ShopLicence:
    return _review(licence, S.REVOKED, actor, reason, "licence.revoke")


# --- requirements and the publish guard -------------------------------------------------------

def chain_ids(category) -> list[int]:
    """The category and the ones above it (a requirement on 农资 covers 农药)."""
    ids, seen = [], 0
    while category is not None and seen < 10:
        ids.append(category.id)
        category, seen = category.parent, seen + 1
    return ids


def required_types(category) -> set[LicenceType]:
    if category is None:
        return set()
    return {LicenceType(t) for t in db.session.scalars(
        sa.select(CategoryLicence.licence_type).where(CategoryLicence.category_id.in_(chain_ids(category))))}


def valid_types(shop_id: int, today: dt.date | None = None) -> set[LicenceType]:
    """The licence types the shop holds verified and unexpired today."""
    today = today or local_today()
    return {LicenceType(t) for t in db.session.scalars(
        sa.select(ShopLicence.licence_type).where(ShopLicence.shop_id == shop_id, ShopLicence.status == S.VERIFIED,
                                                  ShopLicence.expires_on >= today))}


def missing_types(shop_id: int, category) -> list[LicenceType]:
    need = required_types(category)
    if not need:
        return []
    return sorted(need - valid_types(shop_id), key=list(LicenceType).index)


def publish_guard(product) -> str | None:
    """catalog.services.register_publish_guard("licences", ...): a product in a licensed category
    goes public only while its shop holds a verified, unexpired licence of every required type."""
    missing = missing_types(product.shop_id, product.category)
    if not missing:
        return None
    return _("在该分类上架需要平台核验通过且在有效期内的%(licences)s，请先在“经营许可证”中上传并等待核验",
             licences="、".join(type_label(t) for t in missing))


@atomic()
def set_requirements(category, types: Iterable[LicenceType | str], actor) -> list:
    """The admin sets which licence types a category requires (audited). When a type is added, the
    listings on sale in the category and below are asked again: those whose shop lacks a verified,
    unexpired licence of it are taken off sale with the reason, audited, their owners told
    (catalog.services.requalify), in the same transaction. Returns those products."""
    wanted = {LicenceType(t) for t in types}
    rows = list(db.session.scalars(sa.select(CategoryLicence).where(CategoryLicence.category_id == category.id)))
    before = sorted(r.licence_type.value for r in rows)
    for row in rows:
        if row.licence_type not in wanted:
            db.session.delete(row)
    for kind in wanted - {r.licence_type for r in rows}:
        db.session.add(CategoryLicence(category_id=category.id, licence_type=kind))
    record_audit(actor, "category.licences", "category", category.id, before={"licences": before},
                 after={"licences": sorted(t.value for t in wanted)})
    if not wanted - {LicenceType(t) for t in before}:
        return []
    db.session.flush()
    return recheck_listings(descendant_ids(category), actor)
