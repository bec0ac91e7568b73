"""One conversation: its messages (oldest first, the newest at the bottom), the form to write, its
photos and the report form. The buyer and the shop's members only; the admin reads a reported one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.media import private_image
from messages import bp, queries, services, subjects
from messages.errors import MessageError
from messages.labels import REASON_LABELS, RESOLUTION_LABELS
from messages.models import ConversationReport, Message, MessageImage
from messages.policy import ADMIN, conversation_or_404
from messages.views.common import int_arg, new_token, report_limited, send_limited


def _page(conversation, side, *, error=None, text: str = "", status: int = 200):
    before = int_arg(request.args, "before")
    rows, more = queries.messages_before(conversation, before)
    reports = []
    if side == ADMIN:
        reports = list(db.session.scalars(db.select(ConversationReport).where(
            ConversationReport.conversation_id == conversation.id).order_by(ConversationReport.id)))
    return render_template(
        "messages/conversation.html", conversation=conversation, side=side, rows=rows, more=more,
        card=queries.card_of(conversation), kind_label=subjects.label(conversation.subject_kind),
        other_name=conversation.shop.name if side == "buyer" else conversation.buyer.display_name,
        error=error, text=text, token=new_token(), reports=reports, reasons=list(REASON_LABELS.items()),
        resolutions=list(RESOLUTION_LABELS.items()),
        other_read_id=conversation.shop_read_id if side == "buyer" else conversation.buyer_read_id), status


@bp.get("/messages/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    found, side = conversation_or_404(conversation_id, current_user)
    services.mark_read(found, side)
    return _page(found, side)


@bp.post("/messages/<int:conversation_id>")
@send_limited
@login_required
def send(conversation_id: int):
    found, side = conversation_or_404(conversation_id, current_user)
    if side == ADMIN:
        abort(404)
    try:
        message = services.send(found, current_user, side, text=request.form.get("text", ""),
                                uploads=request.files.getlist("images"), token=request.form.get("token"))
    except MessageError as exc:
        if exc.status != 422:
            raise
        db.session.rollback()
        return _page(found, side, error=exc, text=request.form.get("text", ""), status=422)
    return redirect(url_for("messages.conversation", conversation_id=found.id) + f"#m-{message.id}", 303)


@bp.get("/messages/<int:conversation_id>/images/<int:image_id>")
@login_required
def image(conversation_id: int, image_id: int):
    """A photo of a message: the parties only (and the admin of a reported conversation); 404 otherwise."""
    found, _side = conversation_or_404(conversation_id, current_user)
    photo = db.session.scalar(db.select(MessageImage).join(Message, Message.id == MessageImage.message_id).where(
        MessageImage.id == image_id, Message.conversation_id == found.id))
    if photo is None:
        abort(404)
    return private_image(photo.thumb_key if request.args.get("thumb") else photo.key)


@bp.post("/messages/<int:conversation_id>/report")
@report_limited
@login_required
def report(conversation_id: int):
    found, side = conversation_or_404(conversation_id, current_user)
    if side == ADMIN:
        abort(404)
    try:
        services.report(found, current_user, side, request.form.get("reason"), request.form.get("text", ""))
    except MessageError as exc:
        flash(exc.message, "error")
    else:
        flash(_("举报已提交，平台会尽快核查。谢谢！"), "success")
    return redirect(url_for("messages.conversation", conversation_id=found.id) + "#report", 303)
