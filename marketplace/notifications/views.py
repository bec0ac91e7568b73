"""The centre's pages: my notifications (newest first, unread marked, mark all read), opening one
(a POST: it is marked read, then its page opens) and the grid of my channel choices."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.notifications import bp, centre, prefs
from marketplace.notifications.registry import (
    CHANNEL_LABELS,
    CHANNELS,
    DIGEST,
    EMAIL,
    MODE_LABELS,
    OFF,
    ON,
    grouped,
    types,
)


@bp.get("/notifications", endpoint="centre")
@login_required
def centre_page():
    unread_only = request.args.get("unread") == "1"
    page = centre.listing(current_user, unread_only=unread_only)
    return render_template("notifications/centre.html", page=page, unread_only=unread_only,
                           text_of=centre.text_of, label_of=centre.label_of,
                           unread=centre.unread_count(current_user))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark it read and go to its page (a POST with the CSRF token: no link elsewhere can mark it)."""
    row = centre.own_or_404(current_user, notification_id)
    centre.mark_read(row)
    return redirect(row.link or url_for("notifications.centre"), 303)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    count = centre.mark_all_read(current_user)
    flash(_("已将 %(n)d 条通知标为已读", n=count), "success")
    return redirect(url_for("notifications.centre"), 303)


def _modes_offered(kind, channel: str) -> list[str]:
    if channel not in kind.channels or not prefs.reachable(current_user, channel):
        return []
    return [ON, DIGEST, OFF] if channel == EMAIL else [ON, OFF]


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    if request.method == "POST":
        changes = []
        for key, kind in types().items():
            if not kind.optional:
                continue
            for channel in CHANNELS:
                value = request.form.get(f"{key}:{channel}")
                if value is not None and _modes_offered(kind, channel):
                    changes.append((key, channel, value))
        prefs.set_preferences(current_user, changes)  # a refusal goes back to this page with its message
        flash(_("通知设置已保存"), "success")
        return redirect(url_for("notifications.preferences"), 303)
    return render_template("notifications/preferences.html", groups=grouped(), grid=prefs.grid(current_user),
                           channels=CHANNELS, channel_labels=CHANNEL_LABELS, mode_labels=MODE_LABELS,
                           offered=_modes_offered,
                           defaults=lambda kind, channel: prefs.defaults_for(kind, current_user)[channel])
