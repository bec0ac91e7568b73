"""Investor inquiries; each one is a lead worked through the office's follow-up pipeline."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from investment.models.project import CoopMode, Project
from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum


class LeadStage(enum.StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"  # 在谈
    SIGNED = "signed"  # 签约
    DECLINED = "declined"

    @property
    def is_open(self) -> bool:
        return self not in (LeadStage.SIGNED, LeadStage.DECLINED)


class LeadPriority(enum.StrEnum):
    KEY = "key"  # 重点跟进
    KEEP = "keep"  # 保持对接
    DROPPED = "dropped"  # 不再跟进


class ActivityKind(enum.StrEnum):
    CREATED = "created"
    NOTE = "note"
    CALL = "call"
    VISIT = "visit"
    STAGE = "stage"  # a stage change, with its note
    REPLY = "reply"  # a reply the investor sees
    UPDATE = "update"  # owner, priority or follow-up date changed


class Inquiry(Base):
    """An investor's inquiry on a project, and the lead it becomes in the office's pipeline."""

    __tablename__ = "invest_inquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("invest_projects.id", ondelete="CASCADE"), index=True)
    #: The signed-in investor; None for a visitor.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    company: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: The amount the investor has in mind, in fen (optional).
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    mode: Mapped[CoopMode | None] = mapped_column(_enum(CoopMode))
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    # --- the lead ---
    #: The pipeline stage. Mapped as ``status`` (the column stays ``stage``) so the one
    #: StateMachine.move() moves it; ``stage`` is the name the domain reads and writes.
    status: Mapped[LeadStage] = mapped_column("stage", _enum(LeadStage), default=LeadStage.NEW, index=True)
    stage = synonym("status")
    priority: Mapped[LeadPriority] = mapped_column(_enum(LeadPriority), default=LeadPriority.KEEP)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The next follow-up day (office local date); leads due today and overdue are listed on the dashboard.
    next_follow_up: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    stage_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When the lead reached signed (conversion chart).
    signed_at: Mapped[dt.datetime | None]
    #: Amount agreed when signed, in fen.
    signed_amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)

    project: Mapped[Project] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    activities: Mapped[list[LeadActivity]] = relationship(
        back_populates="inquiry", cascade="all, delete-orphan", order_by="LeadActivity.id")

    @property
    def replies(self) -> list[LeadActivity]:
        return [a for a in self.activities if a.visible_to_investor]


class LeadActivity(Base):
    """One entry of a lead's log: a note, call, visit, stage change or reply."""

    __tablename__ = "invest_lead_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(sa.ForeignKey("invest_inquiries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(_enum(ActivityKind, 12))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    from_stage: Mapped[LeadStage | None] = mapped_column(_enum(LeadStage))
    to_stage: Mapped[LeadStage | None] = mapped_column(_enum(LeadStage))
    #: A reply from the office: shown to the investor on "my inquiries".
    visible_to_investor: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    inquiry: Mapped[Inquiry] = relationship(back_populates="activities")
    actor: Mapped[User | None] = relationship()
