"""A notice to a person, by the way he can be reached: his e-mail address, or, for an account made
with a mobile number only (farmers and stall-holders often have no e-mail), a short SMS to that
verified number. The SMS text is ``templates/sms/notice/<template>.txt`` in his language, filled
with ``sms`` (the same values fill the provider's approved template, SMS_NOTICE_TEMPLATES); a notice
without such a text, or a person with neither, gets nothing."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from marketplace.mail.services import is_muted, queue_mail
from marketplace.mail.sms import NOTICE_PREFIX, queue_sms
from marketplace.text import single_line

#: An SMS notice's text is cut to this (a few SMS parts at most; the link is the page to open).
SMS_MAX = 140


def notify(person, template: str, /, *, sms: dict[str, str] | None = None, sms_template: str | None = None,
           **context) -> None:
    """E-mail ``template`` to ``person`` (a User; ``context`` is queue_mail's), or text him
    ``sms_template`` (by default the same name) when he has no address. In the caller's transaction."""
    if person.email:
        queue_mail(person.email, template, locale=person.locale or "zh_CN", **context)
    elif getattr(person, "mobile", None) and sms is not None:
        notify_by_sms(person.mobile, sms_template or template, person.locale or "zh_CN", sms)


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
