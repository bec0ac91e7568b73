"""The buyer's pages: contact a shop about a subject (a new conversation, or back to the one he has),
and his inbox."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.web import page_arg
from messages import bp, queries, services, subjects
from messages.errors import MessageError
from messages.models import Side
from messages.views.common import int_arg, new_token, send_limited


def _subject() -> tuple[str, int, int | None]:
    source = request.form if request.method == "POST" else request.args
    kind = (source.get("kind") or "").strip()
    subject_id = int_arg(source, "id")
    shop_id = int_arg(source, "shop")
    if kind == subjects.GENERAL:
        if shop_id is None:
            abort(404)
        return kind, 0, shop_id
    if subject_id is None:
        abort(404)
    return kind, subject_id, shop_id


@bp.route("/messages/new", methods=["GET", "POST"])
@send_limited
@login_required
def start():
    """联系商家: the conversation about this subject if he has one, else a form for his first message."""
    kind, subject_id, shop_id = _subject()
    shop = services.subject_shop(current_user, kind, subject_id, shop_id)
    error = None
    if request.method == "POST":
        try:
            conversation, _created = services.start(
                current_user, kind, subject_id, shop.id, text=request.form.get("text", ""),
                uploads=request.files.getlist("images"), token=request.form.get("token"))
        except MessageError as exc:
            if exc.status in (404, 409, 429):
                raise
            error = exc
        else:
            return redirect(url_for("messages.conversation", conversation_id=conversation.id) + "#latest", 303)
    else:
        existing = services.find(current_user, shop, kind, subject_id)
        if existing is not None:
            return redirect(url_for("messages.conversation", conversation_id=existing.id) + "#latest")
    card = subjects.cards([(kind, subject_id)]).get((kind, subject_id))
    return render_template("messages/new.html", shop=shop, kind=kind, subject_id=subject_id, card=card,
                           kind_label=subjects.label(kind), error=error, text=request.form.get("text", ""),
                           token=new_token()), 422 if error else 200


@bp.get("/messages")
@login_required
def buyer_inbox():
    page, unread, cards = queries.inbox(Side.BUYER, current_user.id, page=page_arg())
    return render_template("messages/inbox.html", page=page, unread=unread, cards=cards, viewer="buyer",
                           total_unread=services.total_unread(current_user, Side.BUYER),
                           labels={k: subjects.label(k) for k in {c.subject_kind for c in page.items}})
