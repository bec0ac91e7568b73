"""A notice to a person, by the way he can be reached: his e-mail address, or, for an account made
with a mobile number only (farmers and stall-holders often have no e-mail), a short SMS to that
verified number. The SMS text is ``templates/sms/notice/<template>.txt`` in his language, filled
with ``sms`` (the same values fill the provider's approved template, SMS_NOTICE_TEMPLATES); a notice
without such a text, or a person with neither, gets nothing.

A notice whose template belongs to a registered notification type also goes to his notification
centre, and its mail and SMS follow his preferences: ``marketplace.notifications.dispatch``, where
``notify`` lives; it is offered here, where every domain already calls it."""

from __future__ import annotations

from marketplace.notifications.dispatch import SMS_MAX, notify, notify_by_sms

__all__ = ["SMS_MAX", "notify", "notify_by_sms"]
