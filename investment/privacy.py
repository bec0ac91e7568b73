"""An investor's inquiries in his data export, and their anonymisation when he deletes his account.

The inquiry stays with the office (project, amount, cooperation mode, stage, dates: its pipeline
figures), without the person: the name masked, phone and e-mail erased, any e-mail address or
phone number in his message and in the office's notes on the lead masked. Replies from the office
are exported with their text only, never the officer's name.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from investment.models import Inquiry, LeadActivity
from marketplace.db import as_utc
from marketplace.extensions import db
from marketplace.privacy.masking import mask_name, scrub_text
from marketplace.privacy.registry import Erasure, register_personal_data


def _iso(value):
    return as_utc(value).isoformat() if value else None


def export_inquiries(user, limit: int) -> list[dict]:
    rows = db.session.scalars(sa.select(Inquiry).where(Inquiry.user_id == user.id).order_by(Inquiry.id).limit(limit))
    return [{"project": {"code": i.project.code, "title": i.project.title}, "name": i.name, "company": i.company,
             "phone": i.phone, "email": i.email, "amount_cents": i.amount_cents, "mode": i.mode.value if i.mode else None,
             "message": i.message, "stage": i.stage.value, "created_at": _iso(i.created_at),
             "replies": [{"at": _iso(r.created_at), "body": r.body} for r in i.replies]} for i in rows]


def erase_inquiries(erasure: Erasure) -> None:
    inquiries = list(db.session.scalars(sa.select(Inquiry).where(Inquiry.user_id == erasure.user.id)))
    for inquiry in inquiries:
        erasure.found(inquiry.phone, inquiry.email)
        inquiry.name = mask_name(inquiry.name)
        inquiry.phone = ""
        inquiry.email = ""
        inquiry.message = scrub_text(inquiry.message or "")
    if inquiries:
        for activity in db.session.scalars(sa.select(LeadActivity).where(
                LeadActivity.inquiry_id.in_([i.id for i in inquiries]))):
            activity.body = scrub_text(activity.body or "")


def register(app) -> None:
    register_personal_data(app, "inquiries", _l("投资咨询"), export=export_inquiries, erase=erase_inquiries)
