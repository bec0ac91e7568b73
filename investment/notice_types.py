"""Investment inquiries as notification types (marketplace.notifications): a new inquiry for the
office, the office's reply for a signed-in investor."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.notifications.registry import IN_APP, register_type, subject_from

GROUP = _l("招商引资")


def _inquiry(_sms: dict, context: dict) -> dict:
    return {"project": context["project"].title}  # never the investor's name: it outlives his account


_subject = subject_from("inquiry")


def register(app: Flask) -> None:
    register_type(app, "investment.inquiry", label=_l("新的投资咨询"), group=GROUP,
                  templates=("investment/inquiry_received",), text=_l("项目“%(project)s”收到新的咨询"),
                  params=_inquiry, subject=_subject, channels=(IN_APP, "email"), defaults=(IN_APP, "email"))
    # the reply's mail goes to the address the investor left with his inquiry (leads.reply), as before
    register_type(app, "investment.reply", label=_l("咨询有了回复"), group=GROUP, channels=(IN_APP,),
                  defaults=(IN_APP,), text=_l("招商办回复了您对项目“%(project)s”的咨询"))
