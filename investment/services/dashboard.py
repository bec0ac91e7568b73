"""The office dashboard's figures and the server-rendered conversion chart (SVG, no JS)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from investment.models import Inquiry, LeadStage, Project, ProjectStatus
from marketplace.db import as_utc
from marketplace.extensions import db


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass
class MonthPoint:
    label: str  # "2026-03"
    received: int
    signed: int


@dataclass
class Chart:
    """Geometry of a grouped bar chart: inquiries received vs leads signed per month."""

    width: int
    height: int
    top: int
    bottom: int
    left: int
    months: list[MonthPoint]
    received: list[Bar]
    signed: list[Bar]
    label_x: list[float]
    max_value: int
    ticks: list[tuple[float, int]]


def _local(value: dt.datetime) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return as_utc(value).astimezone(tz)


def _month_keys(today: dt.date, n: int) -> list[str]:
    keys = []
    year, month = today.year, today.month
    for _ in range(n):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))


def monthly_conversion(today: dt.date, months: int = 12) -> list[MonthPoint]:
    keys = _month_keys(today, months)
    received = dict.fromkeys(keys, 0)
    signed = dict.fromkeys(keys, 0)
    for created, signed_at in db.session.execute(sa.select(Inquiry.created_at, Inquiry.signed_at)):
        k = _local(created).strftime("%Y-%m")
        if k in received:
            received[k] += 1
        if signed_at is not None:
            k = _local(signed_at).strftime("%Y-%m")
            if k in signed:
                signed[k] += 1
    return [MonthPoint(k, received[k], signed[k]) for k in keys]


def build_chart(points: list[MonthPoint], width: int = 640, height: int = 240) -> Chart:
    top, bottom, left, right = 16, 36, 36, 8
    plot_h = height - top - bottom
    slot = (width - left - right) / max(len(points), 1)
    bar_w = max(slot * 0.36, 2)
    max_value = max([1] + [p.received for p in points] + [p.signed for p in points])
    step = max(1, -(-max_value // 4))
    max_value = step * 4

    def bar(i: int, offset: float, value: int) -> Bar:
        h = plot_h * value / max_value
        return Bar(x=round(left + i * slot + offset, 1), y=round(top + plot_h - h, 1), width=round(bar_w, 1),
                   height=round(h, 1), value=value)

    received = [bar(i, slot * 0.12, p.received) for i, p in enumerate(points)]
    signed = [bar(i, slot * 0.12 + bar_w, p.signed) for i, p in enumerate(points)]
    ticks = [(round(top + plot_h - plot_h * v / max_value, 1), v) for v in range(0, max_value + 1, step)]
    label_x = [round(left + i * slot + slot / 2, 1) for i in range(len(points))]
    return Chart(width, height, top, bottom, left, points, received, signed, label_x, max_value, ticks)


def figures(today: dt.date) -> dict:
    """Everything the dashboard shows, computed in a handful of aggregate queries."""
    by_status = dict.fromkeys(ProjectStatus, 0)
    for status, n in db.session.execute(sa.select(Project.status, sa.func.count()).group_by(Project.status)):
        by_status[ProjectStatus(status)] = n
    by_sector: dict[str, dict] = {}
    for sector, status, n, sought in db.session.execute(
            sa.select(Project.sector, Project.status, sa.func.count(), sa.func.coalesce(sa.func.sum(
                Project.sought_cents), 0)).group_by(Project.sector, Project.status)):
        row = by_sector.setdefault(sector, {"total": 0, "published": 0, "signed": 0, "sought_cents": 0})
        row["total"] += n
        if ProjectStatus(status) == ProjectStatus.PUBLISHED:
            row["published"] += n
            row["sought_cents"] += int(sought)
        elif ProjectStatus(status) == ProjectStatus.SIGNED:
            row["signed"] += n
    sought = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Project.sought_cents), 0)).where(
        Project.status == ProjectStatus.PUBLISHED)) or 0
    signed = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(
        sa.func.coalesce(Project.signed_amount_cents, Project.sought_cents)), 0)).where(
        Project.status == ProjectStatus.SIGNED)) or 0
    by_stage = dict.fromkeys(LeadStage, 0)
    for stage, n in db.session.execute(sa.select(Inquiry.stage, sa.func.count()).group_by(Inquiry.stage)):
        by_stage[LeadStage(stage)] = n
    total_leads = sum(by_stage.values())
    conversion_pct = round(100 * by_stage[LeadStage.SIGNED] / total_leads) if total_leads else 0
    points = monthly_conversion(today)
    return {
        "by_status": by_status,
        "by_sector": sorted(by_sector.items(), key=lambda kv: -kv[1]["total"]),
        "sought_cents": int(sought),
        "signed_cents": int(signed),
        "signed_pct": round(100 * int(signed) / (int(sought) + int(signed))) if (sought or signed) else 0,
        "by_stage": by_stage,
        "total_leads": total_leads,
        "conversion_pct": conversion_pct,
        "chart": build_chart(points),
    }
