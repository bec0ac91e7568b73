"""Admin pages that read logs: the mail outbox and the audit log.

Mail HTML bodies are never rendered into an admin page: the message page shows the text version
and frames the HTML version from a separate route that answers with ``Content-Security-Policy:
sandbox`` (no scripts, no same-origin access, no network), inside an ``<iframe sandbox>``.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Response, abort, render_template, request
from flask_login import current_user

from marketplace.accounts.models import User
from marketplace.accounts.phone_auth import PhoneError, normalise_mobile
from marketplace.accounts.policy import admin_required
from marketplace.admin import bp
from marketplace.admin.models import AuditEntry
from marketplace.admin.services import record_view
from marketplace.db import atomic
from marketplace.extensions import db
from marketplace.mail.models import OutboxMessage, OutboxStatus
from marketplace.mail.services import render_pending
from marketplace.web import enum_arg, paginate

PER_PAGE = 25

#: For the framed HTML body: a sandboxed, script-less document that can load nothing from anywhere.
MAIL_HTML_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                 "form-action 'none'; base-uri 'none'; frame-ancestors 'self'")


def _rendered(messages) -> None:
    """Messages queued unrendered (order mail) are rendered, and kept, when first read."""
    with atomic():
        render_pending(messages)


def _as_mobile(value: str) -> str:
    """A typed mobile number as the outbox stores an SMS recipient (E.164), else the value as is."""
    try:
        return normalise_mobile(value)
    except PhoneError:
        return value


@bp.get("/outbox")
@admin_required
def outbox():
    status = request.args.get("status", "")
    to = request.args.get("to", "").strip().lower()[:254]
    stmt = sa.select(OutboxMessage)
    if status:
        chosen = enum_arg(OutboxStatus)
        if chosen is None:
            abort(404)
        stmt = stmt.where(OutboxMessage.status == chosen)
    if to:
        stmt = stmt.where(OutboxMessage.to_addr.in_([to, _as_mobile(to)]))
    pagination = paginate(stmt.order_by(OutboxMessage.id.desc()), per_page=PER_PAGE)
    _rendered(pagination.items)
    return render_template("admin/outbox.html", pagination=pagination, status=status, to=to,
                           statuses=list(OutboxStatus))


@bp.get("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    record_view(current_user, "mail", message.id)  # recipient and body in full
    _rendered([message])
    return render_template("admin/outbox_message.html", message=message)


@bp.get("/outbox/<int:message_id>/html")
@admin_required
def outbox_html(message_id: int):
    """The HTML body on its own, sandboxed by CSP: framed by the message page, never inlined."""
    message = db.get_or_404(OutboxMessage, message_id)
    _rendered([message])
    if not message.body_html:
        abort(404)
    response = Response(message.body_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def pretty_json(value) -> str:
    """An audit snapshot as indented JSON text (autoescaped by the template)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


@bp.get("/audit")
@admin_required
def audit():
    action = request.args.get("action", "").strip()[:60]
    actor = request.args.get("actor", "").strip().lower()[:254]
    stmt = sa.select(AuditEntry)
    if action:
        # "shop" matches every shop.* action; "shop.approve" only itself
        stmt = stmt.where(sa.or_(AuditEntry.action == action, AuditEntry.action.startswith(action + ".", autoescape=True)))
    if actor:
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(User.email == actor)
    pagination = paginate(stmt.order_by(AuditEntry.id.desc()), per_page=PER_PAGE)
    actions = db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    return render_template("admin/audit.html", pagination=pagination, action=action, actor=actor,
                           actions=actions)
