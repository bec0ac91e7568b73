"""The verbs of conversations: start (or reuse) one about a subject, send, mark read, report,
resolve a report. HTML pages and the JSON API call the same functions; each runs in one atomic()."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.admin.services import record_audit
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.shops.models import Shop, ShopStatus
from marketplace.text import has_forbidden, single_line
from messages import notify, photos, subjects
from messages.errors import MessageError
from messages.models import Conversation, ConversationReport, Message, ReportReason, Resolution, Side
from messages.policy import shop_member

#: Control characters a message may not carry: C0 except tab and line breaks, DEL, C1, and the
#: bidirectional overrides that make a text read differently from what it says.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


def clean_text(text: str | None) -> str:
    """The message's text, stripped; refused when too long or carrying control characters."""
    text = (text or "").strip()
    if has_forbidden(text) or _CONTROLS.search(text):
        raise MessageError(_("消息含有不允许的控制字符"), field="text")
    limit = current_app.config["MESSAGES_MAX_LENGTH"]
    if len(text) > limit:
        raise MessageError(_("消息不能超过 %(n)d 个字", n=limit), field="text")
    return text


def _token(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _TOKEN.match(value):
        raise MessageError(_("无效的提交标识"), field="client_token")
    return value


def subject_shop(user, kind: str, subject_id: int, shop_id: int | None) -> Shop:
    """The shop ``user`` may talk to about this subject; 404 when the subject is unknown or not his
    to discuss (someone else's order), when the shop is not open, or when it is his own shop."""
    if not subjects.known(kind):
        abort(404)
    found = subjects.shop_for(kind, subject_id, user, shop_id)
    shop = db.session.get(Shop, found) if found else None
    if shop is None or (kind == subjects.GENERAL and shop.status != ShopStatus.APPROVED):
        abort(404)
    if shop_member(user, shop.id):
        raise MessageError(_("不能给自己的店铺发消息"), status=409, code="own_shop")
    return shop


def find(user, shop: Shop, kind: str, subject_id: int) -> Conversation | None:
    return db.session.scalar(sa.select(Conversation).where(
        Conversation.buyer_id == user.id, Conversation.shop_id == shop.id,
        Conversation.subject_kind == kind, Conversation.subject_id == subject_id))


def _check_daily_cap(user) -> None:
    cap = current_app.config["MESSAGES_NEW_PER_DAY"]
    since = utcnow() - dt.timedelta(days=1)
    started = db.session.scalar(sa.select(sa.func.count(Conversation.id)).where(
        Conversation.buyer_id == user.id, Conversation.created_at >= since))
    if started >= cap:
        raise MessageError(_("您今天发起的会话太多了（每天最多 %(n)d 个），请明天再试", n=cap), status=429,
                           code="too_many_conversations")


def start(user, kind: str, subject_id: int, shop_id: int | None, *, text: str = "", uploads=(),
          token: str | None = None) -> tuple[Conversation, bool]:
    """Open the buyer's conversation with the shop about the subject, with a first message, or reuse
    the one he has (the message then goes there). Returns (conversation, created)."""
    shop = subject_shop(user, kind, subject_id, shop_id)
    existing = find(user, shop, kind, subject_id)
    if existing is not None:
        send(existing, user, Side.BUYER, text=text, uploads=uploads, token=token)
        return existing, False
    body, images, token = _prepare(text, uploads, token)
    _check_daily_cap(user)
    try:
        with atomic():
            conversation = Conversation(buyer_id=user.id, shop_id=shop.id, subject_kind=kind, subject_id=subject_id)
            db.session.add(conversation)
            db.session.flush()
            _post(conversation, user, Side.BUYER, body, images, token)
    except IntegrityError:  # the same buyer opened it at the same moment (another tab): use that one
        existing = find(user, shop, kind, subject_id)
        if existing is None:
            raise
        send(existing, user, Side.BUYER, text=text, uploads=uploads, token=token)
        return existing, False
    return conversation, True


def _prepare(text, uploads, token) -> tuple[str, list[bytes], str | None]:
    body = clean_text(text)
    images = photos.read_all(uploads)
    if not body and not images:
        raise MessageError(_("请输入消息内容或选择图片"), field="text")
    return body, images, _token(token)


def _post(conversation: Conversation, user, side: Side, body: str, images: list[bytes], token) -> Message:
    message = Message(conversation_id=conversation.id, sender_id=user.id, side=side, body=body, client_token=token)
    db.session.add(message)
    db.session.flush()
    photos.attach(message, images)
    first_of_turn = conversation.last_side != side
    conversation.last_message_id = message.id
    conversation.last_message_at = message.created_at
    conversation.last_side = side
    conversation.last_preview = single_line(body, 80)
    if side == Side.BUYER:  # what one writes, one has read
        conversation.buyer_read_id = message.id
    else:
        conversation.shop_read_id = message.id
    if first_of_turn:  # one notice per turn of the conversation, not one per message
        notify.new_message(conversation, message)
    return message


def _by_token(conversation: Conversation, token: str | None) -> Message | None:
    if token is None:
        return None
    return db.session.scalar(sa.select(Message).where(Message.conversation_id == conversation.id,
                                                      Message.client_token == token))


def send(conversation: Conversation, user, side: Side, *, text: str = "", uploads=(),
         token: str | None = None) -> Message:
    """Add a message from ``side``. The same ``token`` sent again (a double click, a retried request)
    returns the message already stored and posts nothing."""
    if side not in (Side.BUYER, Side.SHOP):
        abort(404)
    token = _token(token)
    again = _by_token(conversation, token)
    if again is not None:
        return again
    if conversation.closed_at is not None:
        raise MessageError(_("这个会话已被平台关闭，不能再发送消息"), status=409, code="closed")
    body, images, token = _prepare(text, uploads, token)
    try:
        with atomic():
            db.session.refresh(conversation, with_for_update=True)  # one writer at a time: last_* stay right
            return _post(conversation, user, side, body, images, token)
    except IntegrityError:
        again = _by_token(conversation, token)
        if again is None:
            raise
        return again


def mark_read(conversation: Conversation, side: str) -> None:
    """``side`` has read everything up to the newest message (an admin's reading changes nothing)."""
    if side == Side.BUYER and conversation.buyer_read_id < conversation.last_message_id:
        with atomic():
            conversation.buyer_read_id = conversation.last_message_id
    elif side == Side.SHOP and conversation.shop_read_id < conversation.last_message_id:
        with atomic():
            conversation.shop_read_id = conversation.last_message_id


def unread_counts(conversations: list[Conversation], side: str) -> dict[int, int]:
    """Unread messages per conversation for ``side`` (one query for the whole list)."""
    if side not in (Side.BUYER, Side.SHOP) or not conversations:
        return {}
    other = Side.SHOP if side == Side.BUYER else Side.BUYER
    read = Conversation.buyer_read_id if side == Side.BUYER else Conversation.shop_read_id
    rows = db.session.execute(
        sa.select(Message.conversation_id, sa.func.count(Message.id)).join(
            Conversation, Conversation.id == Message.conversation_id)
        .where(Message.conversation_id.in_([c.id for c in conversations]), Message.side == other, Message.id > read)
        .group_by(Message.conversation_id))
    return dict(rows.all())


def total_unread(user, side: str, shop_id: int | None = None) -> int:
    """Unread messages in all of a buyer's conversations (side "buyer") or a shop's ("shop")."""
    other = Side.SHOP if side == Side.BUYER else Side.BUYER
    read = Conversation.buyer_read_id if side == Side.BUYER else Conversation.shop_read_id
    mine = Conversation.buyer_id == user.id if side == Side.BUYER else Conversation.shop_id == shop_id
    return db.session.scalar(
        sa.select(sa.func.count(Message.id)).join(Conversation, Conversation.id == Message.conversation_id)
        .where(mine, Message.side == other, Message.id > read)) or 0


def report(conversation: Conversation, user, side: str, reason: str | None, text: str = "") -> ConversationReport:
    """A party reports the conversation: the admin may read it from now on. One open report per
    person and conversation (a second one changes nothing and is returned)."""
    if side not in (Side.BUYER, Side.SHOP):
        abort(404)
    try:
        reason = ReportReason(reason or "")
    except ValueError:
        raise MessageError(_("请选择举报原因"), field="reason") from None
    text = (text or "").strip()
    if has_forbidden(text) or _CONTROLS.search(text):
        raise MessageError(_("说明含有不允许的控制字符"), field="text")
    if len(text) > 500:
        raise MessageError(_("说明不能超过 %(n)d 个字", n=500), field="text")
    open_one = db.session.scalar(sa.select(ConversationReport).where(
        ConversationReport.conversation_id == conversation.id, ConversationReport.reporter_id == user.id,
        ConversationReport.resolved_at.is_(None)))
    if open_one is not None:
        return open_one
    with atomic():
        found = ConversationReport(conversation_id=conversation.id, reporter_id=user.id, reporter_side=Side(side),
                                   reason=reason, text=text)
        db.session.add(found)
        if conversation.reported_at is None:
            conversation.reported_at = utcnow()
    return found


def resolve(found: ConversationReport, admin, resolution: str | None, note: str = "") -> None:
    """The admin's decision on a report (audited); "closed" closes the conversation to new messages."""
    try:
        resolution = Resolution(resolution or "")
    except ValueError:
        raise MessageError(_("请选择处理结果"), field="resolution") from None
    note = (note or "").strip()
    if len(note) > 500 or _CONTROLS.search(note):
        raise MessageError(_("处理说明不能超过 %(n)d 个字，且不能含控制字符", n=500), field="note")
    if found.resolved_at is not None:
        raise MessageError(_("这个举报已经处理过了"), status=409, code="resolved")
    with atomic():
        found.resolution, found.resolution_note = resolution, note
        found.resolved_by_id, found.resolved_at = admin.id, utcnow()
        if resolution == Resolution.CLOSED and found.conversation.closed_at is None:
            found.conversation.closed_at = utcnow()
        record_audit(admin, "conversation.report_resolve", "conversation", found.conversation_id,
                     after={"report": found.id, "resolution": resolution.value}, note=note or None)
