"""JSON API of the signed-in user's notifications: /api/v1/notifications...

The same rules as the pages: only one's own notifications (another user's id is a 404), the same
preference checks (an unknown type, channel or mode is a 400 and changes nothing).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.scopes import BUYER, MERCHANT, READ
from marketplace.api import api_bp, api_login_required, page_of, scoped
from marketplace.errors import ApiError
from marketplace.extensions import db
from marketplace.notifications import centre, prefs
from marketplace.notifications.api_schemas import (
    NotificationListSchema,
    NotificationQuerySchema,
    NotificationSchema,
    PreferencesBodySchema,
    PreferencesSchema,
    ReadAllSchema,
    UnreadCountSchema,
)
from marketplace.notifications.models import Notification
from marketplace.notifications.registry import CHANNELS, types
from marketplace.openapi import api_doc, parse_body, parse_query

TAGS = ["notifications"]


def notification_json(row: Notification) -> dict:
    return {"id": row.id, "type": row.type_key, "label": centre.label_of(row), "text": centre.text_of(row),
            "link": row.link, "subject_kind": row.subject_kind, "subject_id": row.subject_id,
            "read": row.read_at is not None, "read_at": row.read_at.isoformat() if row.read_at else None,
            "created_at": row.created_at.isoformat()}


def _own(notification_id: int) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        raise ApiError(404, "not_found", _("通知不存在"))
    return row


@api_bp.get("/notifications")
@scoped(READ)
@api_doc("My notifications, newest first; only the unread ones with unread=true", tags=TAGS,
         query=NotificationQuerySchema, responses={200: NotificationListSchema})
@api_login_required
def notifications_api():
    args = parse_query(NotificationQuerySchema)
    stmt = db.select(Notification).where(Notification.user_id == current_user.id)
    if args["unread"]:
        stmt = stmt.where(Notification.read_at.is_(None))
    body = page_of(stmt.order_by(Notification.id.desc()), args, notification_json)
    body["unread"] = centre.unread_count(current_user)
    return body


@api_bp.get("/notifications/unread-count")
@scoped(READ)
@api_doc("The number of my unread notifications (what the bell shows; counted up to 100)", tags=TAGS,
         responses={200: UnreadCountSchema})
@api_login_required
def notifications_unread_api():
    return {"unread": centre.unread_count(current_user)}


@api_bp.post("/notifications/<int:notification_id>/read")
@scoped(BUYER, MERCHANT)
@api_doc("Mark one of my notifications read (again: no change)", tags=TAGS, responses={200: NotificationSchema})
@api_login_required
def notification_read_api(notification_id: int):
    return notification_json(centre.mark_read(_own(notification_id)))


@api_bp.post("/notifications/read-all")
@scoped(BUYER, MERCHANT)
@api_doc("Mark all my notifications read", tags=TAGS, responses={200: ReadAllSchema})
@api_login_required
def notifications_read_all_api():
    return {"marked": centre.mark_all_read(current_user)}


def _preferences_json(grid: dict) -> dict:
    out = []
    for key, kind in types().items():
        defaults = prefs.defaults_for(kind, current_user)
        def available(channel: str, kind=kind) -> bool:
            return kind.optional and channel in kind.channels and prefs.reachable(current_user, channel)

        out.append({"type": key, "label": str(kind.label), "group": str(kind.group), "optional": kind.optional,
                    "channels": [{"channel": ch, "mode": grid[key][ch], "default": defaults[ch],
                                  "available": available(ch)} for ch in CHANNELS]})
    return {"types": out}


@api_bp.get("/notifications/preferences")
@scoped(READ)
@api_doc("My channel for each notification type (defaults included)", tags=TAGS, responses={200: PreferencesSchema})
@api_login_required
def notification_preferences_api():
    return _preferences_json(prefs.grid(current_user))


@api_bp.put("/notifications/preferences")
@scoped(BUYER, MERCHANT)
@api_doc("Change my channels: a list of {type, channel, mode}; all or none (400 names the first bad one)",
         tags=TAGS, body=PreferencesBodySchema, responses={200: PreferencesSchema})
@api_login_required
def notification_preferences_set_api():
    body = parse_body(PreferencesBodySchema)
    grid = prefs.set_preferences(current_user, [(p["type"], p["channel"], p["mode"]) for p in body["preferences"]])
    return _preferences_json(grid)


