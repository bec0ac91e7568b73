"""The one way a notice reaches a person: ``notify`` (what ``marketplace.mail.notices`` offers).

A notice whose mail template belongs to a registered notification type becomes a notification in
his centre and goes out by e-mail and SMS as his preferences allow (marketplace.notifications.prefs);
a notice of an unregistered template works as before the centre: an e-mail to his address, or a
short SMS to a phone-only account. Domains without a mail template of their own post with ``post``
(a generic mail, ``templates/email/notification.*``). All in the caller's transaction.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from marketplace.config import DEV_BASE_URL
from marketplace.extensions import db
from marketplace.mail.services import is_muted, queue_mail
from marketplace.mail.sms import NOTICE_PREFIX, queue_sms
from marketplace.notifications.models import Notification
from marketplace.notifications.prefs import modes_for
from marketplace.notifications.registry import (
    DIGEST,
    EMAIL,
    IN_APP,
    ON,
    SMS,
    NotificationType,
    get_type,
    type_for_template,
)
from marketplace.text import single_line
from marketplace.web import absolute_url

#: An SMS notice's text is cut to this (a few SMS parts at most; the link is the page to open).
SMS_MAX = 140


def notify(person, template: str, /, *, sms: dict[str, str] | None = None, sms_template: str | None = None,
           **context) -> None:
    """Tell ``person`` (a User) of an event whose mail is ``templates/email/<template>`` (``context``
    fills it, as queue_mail's) and whose SMS is ``sms_template`` (by default the same name) filled
    with ``sms``. See the module for registered and unregistered templates."""
    kind = type_for_template(template, context) if has_app_context() else None
    if kind is None:
        if person.email:
            queue_mail(person.email, template, locale=person.locale or "zh_CN", **context)
        elif getattr(person, "mobile", None) and sms is not None:
            notify_by_sms(person.mobile, sms_template or template, person.locale or "zh_CN", sms)
        return
    if is_muted():
        return
    modes = modes_for(person, kind)
    row = notification_row(person.id, kind, sms, context, modes)
    if row is not None:
        db.session.add(Notification(**row))
    if modes[EMAIL] == ON:
        queue_mail(person.email, template, locale=person.locale or "zh_CN", **context)
    if modes[SMS] == ON and sms is not None:
        notify_by_sms(person.mobile, sms_template or template, person.locale or "zh_CN", sms)


def post(person, key: str, *, params: dict | None = None, link: str | None = None,
         subject: tuple[str, int] | None = None, sms_template: str | None = None) -> None:
    """A notice of type ``key`` with no mail template of its own: in-app, and a generic mail (the
    type's text and the link) and SMS (``templates/sms/notice/<sms_template>.txt``) as allowed."""
    kind = get_type(key)
    if is_muted():
        return
    modes = modes_for(person, kind)
    params = {k: str(v) for k, v in (params or {}).items()}
    context = {"link": link}
    if subject:
        context["_subject"] = subject
    row = notification_row(person.id, kind, None, context, modes, params=params)
    if row is not None:
        db.session.add(Notification(**row))
    if modes[EMAIL] == ON:
        queue_mail(person.email, "notification", locale=person.locale or "zh_CN", type_key=key,
                   params=json.dumps(params, ensure_ascii=False), link=link, recipient=person,
                   settings_url=absolute_url("notifications.preferences"))
    if modes[SMS] == ON and sms_template:
        notify_by_sms(person.mobile, sms_template, person.locale or "zh_CN", params)


def notification_row(user_id: int, kind: NotificationType, sms: dict | None, context: dict,
                     modes: dict[str, str], params: dict | None = None) -> dict | None:
    """The values of the notification to insert (None when neither the centre nor a digest wants it)."""
    digest = modes[EMAIL] == DIGEST
    if modes[IN_APP] != ON and not digest:
        return None
    subject_kind, subject_id = context.get("_subject") or kind.subject_of(context)
    return {"user_id": user_id, "type_key": kind.key,
            "params": json.dumps(kind.stored_params(sms, context) if params is None else params, ensure_ascii=False),
            "link": local_link(context.get("link")), "subject_kind": subject_kind, "subject_id": subject_id,
            "digest_due": digest}


def insert_rows(rows: list[dict]) -> None:
    """Many notifications in one INSERT (the order-placing hot path)."""
    if rows and not is_muted():
        # render_nulls: rows whose subject is None or not go as ONE statement (by default the ORM omits
        # None values and splits the batch by which columns are None)
        db.session.execute(sa.insert(Notification), rows, execution_options={"render_nulls": True})


def local_link(url: str | None) -> str | None:
    """The local path of a link built by ``absolute_url`` (or a path already): a notification links
    inside the site only, so opening it can never send the reader elsewhere."""
    if not url:
        return None
    parts = urlsplit(url)
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or DEV_BASE_URL)
    if parts.netloc and parts.netloc != base.netloc:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return (path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else ""))[:500]


def notify_by_sms(mobile: str, template: str, locale: str, params: dict[str, str]) -> None:
    if is_muted():
        return
    values = {key: single_line(str(value), 60) for key, value in params.items()}
    try:
        with force_locale(locale):
            text = render_template(f"{NOTICE_PREFIX}{template}.txt", **values).strip()
    except TemplateNotFound:
        return
    queue_sms(mobile, single_line(text, SMS_MAX), subject=template, params=values,
              template=f"{NOTICE_PREFIX}{template}", locale=locale)
