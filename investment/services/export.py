"""CSV exports of projects and leads for the office's spreadsheets (written by marketplace.exports,
which neutralises formula cells)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import pgettext

from investment.models import Inquiry, Project
from investment.policy import can_see_lead_contact
from investment.vocab import (
    MODE_LABELS,
    PRIORITY_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    mu,
    sector_name,
    wan_plain,
)
from marketplace.exports import csv_text, local_time, time_header
from marketplace.extensions import db
from marketplace.privacy.masking import mask_email, mask_name, mask_phone, scrub_text


def projects_table(locale: str = "zh_CN") -> tuple[list[str], Iterator[list]]:
    """The projects export's header and rows."""
    header = [_("编号"), _("项目名称"), _("状态"), _("行业"), _("县区"), _("园区/地址"), _("总投资（万元）"), _("拟引资（万元）"), _("签约额（万元）"),
              _("合作方式"), _("用地（亩）"), _("联系人"), _("电话"), _("有效期至"), _("浏览量"), _("发布时间")]
    projects = db.session.scalars(sa.select(Project).order_by(Project.code))
    rows = ([p.code, p.title, str(STATUS_LABELS[p.status]), sector_name(p.sector, locale),
             p.region.name if p.region else "", " ".join(filter(None, [p.park, p.address])),
             wan_plain(p.total_investment_cents), wan_plain(p.sought_cents), wan_plain(p.signed_amount_cents),
             str(MODE_LABELS[p.mode]), mu(p.land_area_hundredths), p.contact_name, p.contact_phone,
             p.valid_until.isoformat() if p.valid_until else "", p.view_count,
             p.published_at.strftime("%Y-%m-%d") if p.published_at else ""] for p in projects)
    return header, rows


def leads_table(viewer=None) -> tuple[list[str], Iterator[list]]:
    """The leads export's header and rows. For a ``viewer`` (the office's download) the name, phone,
    e-mail and message of a lead he does not work on are masked, as on its page; without one (the
    server's CLI) everything is in full."""
    header = [_("线索编号"), _("项目编号"), _("项目名称"), _("姓名"), pgettext("organisation", "单位"), _("电话"), _("邮箱"),
              _("意向金额（万元）"), _("合作方式"), _("阶段"), _("优先级"), _("负责人"), _("下次跟进"),
              time_header(_("咨询时间")), _("咨询内容")]
    leads = db.session.scalars(sa.select(Inquiry).order_by(Inquiry.id))
    rows = ([i.id, i.project.code, i.project.title, *_contact(i, viewer), wan_plain(i.amount_cents),
             str(MODE_LABELS[i.mode]) if i.mode else "", str(STAGE_LABELS[i.stage]), str(PRIORITY_LABELS[i.priority]),
             i.owner.display_name if i.owner else "", i.next_follow_up.isoformat() if i.next_follow_up else "",
             local_time(i.created_at), _message(i, viewer)] for i in leads)
    return header, rows


def _contact(inquiry: Inquiry, viewer) -> list[str]:
    if viewer is None or can_see_lead_contact(viewer, inquiry):
        return [inquiry.name, inquiry.company, inquiry.phone, inquiry.email]
    return [mask_name(inquiry.name), inquiry.company, mask_phone(inquiry.phone), mask_email(inquiry.email)]


def _message(inquiry: Inquiry, viewer) -> str:
    if viewer is None or can_see_lead_contact(viewer, inquiry):
        return inquiry.message
    return scrub_text(inquiry.message)


def projects_csv(locale: str = "zh_CN") -> str:
    return csv_text(*projects_table(locale))


def leads_csv() -> str:
    return csv_text(*leads_table())
