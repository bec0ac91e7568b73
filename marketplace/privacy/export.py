"""The user's copy of his personal data (PIPL art. 45): one ZIP file built in the request.

``data.json`` holds every section (his account, API tokens by name, consents, and what each domain
declared: addresses, orders with lines, payments, inquiries, shop memberships), keys in English
with each section's title in Chinese and English; ``README.txt`` explains it in both languages.
Only his own data: another user's personal data never appears (a shop is named, its staff are not).
Each list holds at most ``PRIVACY_EXPORT_MAX_ROWS`` rows; a fuller section is flagged "truncated".
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.accounts.labels import role_label
from marketplace.accounts.models import ApiToken, User
from marketplace.db import as_utc, utcnow
from marketplace.extensions import db
from marketplace.privacy.consent import consents_of
from marketplace.privacy.registry import personal_data

FORMAT = "marketplace-personal-data"
FORMAT_VERSION = 1

#: The sections every export has (the domains' sections follow).
CORE_SECTIONS = {"account": _l("账号资料"), "roles": _l("角色"), "api_tokens": _l("API 令牌（仅名称）"),
                 "consents": _l("同意记录")}


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """A time as ISO 8601 in UTC (a date as such); None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat()
    return value.isoformat()


def bilingual(label) -> dict[str, str]:
    """A lazy label (or a function returning one) in Chinese and in English."""
    out = {}
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            out[locale] = str(label() if callable(label) else label)
    return out


def _core(user: User, limit: int) -> dict:
    tokens = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id).limit(limit))
    return {
        "account": {"id": user.id, "email": user.email, "name": user.name, "phone": user.phone,
                    "mobile": user.mobile,
                    "locale": user.locale, "active": bool(user.active), "created_at": iso(user.created_at),
                    "last_login_at": iso(user.last_login_at)},
        "roles": [{"role": r.role.value, "label": bilingual(lambda role=r.role: role_label(role)), "scope_type": r.scope_type,
                   "scope_id": r.scope_id, "granted_at": iso(r.granted_at)} for r in user.roles],
        # names and dates only: a token's secret is never stored, its prefix stays out too
        "api_tokens": [{"name": t.name, "created_at": iso(t.created_at), "last_used_at": iso(t.last_used_at),
                        "revoked_at": iso(t.revoked_at)} for t in tokens],
        "consents": [{"policy_version": c.policy_version, "source": c.source, "accepted_at": iso(c.accepted_at)}
                     for c in consents_of(user)[:limit]],
    }


def _truncated(value, limit: int) -> bool:
    if isinstance(value, list):
        return len(value) >= limit
    if isinstance(value, dict):
        return any(_truncated(v, limit) for v in value.values())
    return False


def collect(user: User) -> dict:
    """The export's content as one JSON-serialisable dict."""
    limit = int(current_app.config["PRIVACY_EXPORT_MAX_ROWS"])
    sections = _core(user, limit)
    labels = {name: bilingual(label) for name, label in CORE_SECTIONS.items()}
    for entry in personal_data():
        if entry.export is None:
            continue
        sections[entry.name] = entry.export(user, limit)
        labels[entry.name] = bilingual(entry.label)
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "site": current_app.config["SITE_NAME"],
        "generated_at": iso(utcnow()), "policy_version": current_app.config["POLICY_VERSION"],
        "labels": labels,
        "truncated": sorted(name for name, value in sections.items() if name != "account" and _truncated(value, limit)),
        "sections": sections,
    }


def build_zip(user: User) -> tuple[str, bytes]:
    """(file name, ZIP bytes) of the user's export."""
    data = collect(user)
    readme = []
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            readme.append(render_template("privacy/export_readme.txt", data=data, locale=locale,
                                          max_rows=current_app.config["PRIVACY_EXPORT_MAX_ROWS"]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive.writestr("README.txt", "\n\n".join(part.strip() for part in readme) + "\n")
    name = f"my-data-{utcnow():%Y%m%d}.zip"
    return name, buffer.getvalue()
