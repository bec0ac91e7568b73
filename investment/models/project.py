"""Investment projects (招商项目), their status history, attachments and de-duplicated views."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow
from marketplace.db import str_enum as _enum
from marketplace.regions.models import Region


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    SIGNED = "signed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class CoopMode(enum.StrEnum):
    SOLE = "sole"  # 独资
    JOINT_VENTURE = "joint_venture"  # 合资
    COOPERATION = "cooperation"  # 合作
    PPP = "ppp"
    BOT = "bot"
    EQUITY = "equity"  # 股权合作
    OTHER = "other"


class LandNature(enum.StrEnum):
    INDUSTRIAL = "industrial"  # 工业用地
    COMMERCIAL = "commercial"  # 商业服务业用地
    LOGISTICS = "logistics"  # 物流仓储用地
    AGRICULTURAL = "agricultural"  # 农用地（设施农业）
    COLLECTIVE = "collective"  # 集体经营性建设用地
    TOURISM = "tourism"  # 旅游用地
    NONE = "none"  # 不需新增用地


class LandStatus(enum.StrEnum):
    READY = "ready"  # 净地，可直接供地
    FACTORY = "factory"  # 标准化厂房可租可售
    PLANNED = "planned"  # 已列入规划，待征收
    NONE = "none"  # 无

    @property
    def available(self) -> bool:
        return self in (LandStatus.READY, LandStatus.FACTORY)


class AttachmentKind(enum.StrEnum):
    PHOTO = "photo"
    PDF = "pdf"


class Project(Base):
    __tablename__ = "invest_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Office reference number, e.g. SQ-2026-0007; unique, also the seed's idempotency key.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: A code from investment/data/sectors.json.
    sector: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: The county (or district) where the project is located.
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    #: Industrial park, cluster zone or market the project sits in.
    park: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Amounts in minor units (fen); shown in 万元. BigInteger: 10 亿元 is 10^11 fen.
    total_investment_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The part of the total the office seeks from outside investors.
    sought_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Amount actually signed, set when the project moves to signed.
    signed_amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    mode: Mapped[CoopMode] = mapped_column(_enum(CoopMode), default=CoopMode.COOPERATION)
    #: Land area in hundredths of a 亩 (mu); 3550 = 35.50 亩. Integer: no floats.
    land_area_hundredths: Mapped[int] = mapped_column(default=0)
    land_nature: Mapped[LandNature] = mapped_column(_enum(LandNature), default=LandNature.NONE)
    land_status: Mapped[LandStatus] = mapped_column(_enum(LandStatus), default=LandStatus.NONE)
    construction: Mapped[str] = mapped_column(sa.Text, default="")
    market_outlook: Mapped[str] = mapped_column(sa.Text, default="")
    incentives: Mapped[str] = mapped_column(sa.Text, default="")
    expected_returns: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: When set, the contact person's details are shown to office staff only; visitors use the inquiry form.
    contact_private: Mapped[bool] = mapped_column(default=False)
    #: The officer in charge: receives the inquiries' e-mails (all officers when unset).
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The last day the offer stands.
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[ProjectStatus] = mapped_column(_enum(ProjectStatus), default=ProjectStatus.DRAFT, index=True)
    #: The reviewer's reason for the last return to draft (shown to officers).
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: De-duplicated views (one per visitor per day, bots excluded).
    view_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]

    region: Mapped[Region] = relationship(lazy="joined")
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    attachments: Mapped[list[ProjectAttachment]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectAttachment.position")
    history: Mapped[list[ProjectStatusChange]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectStatusChange.id")

    @property
    def is_public(self) -> bool:
        return self.status == ProjectStatus.PUBLISHED

    @property
    def has_land(self) -> bool:
        return self.land_status.available

    @property
    def photos(self) -> list[ProjectAttachment]:
        return [a for a in self.attachments if a.kind == AttachmentKind.PHOTO]

    @property
    def documents(self) -> list[ProjectAttachment]:
        return [a for a in self.attachments if a.kind == AttachmentKind.PDF]


class ProjectStatusChange(Base):
    """History of a project's status: who moved it, when, and why."""

    __tablename__ = "invest_project_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("invest_projects.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ProjectStatus | None] = mapped_column(_enum(ProjectStatus))
    to_status: Mapped[ProjectStatus] = mapped_column(_enum(ProjectStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


class ProjectAttachment(Base):
    """A photo (re-encoded WebP derivatives) or a content-checked PDF."""

    __tablename__ = "invest_project_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("invest_projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(_enum(AttachmentKind, 10))
    #: Photos: the 800 px key; PDFs: the stored file's key (public/... or private/...).
    key: Mapped[str] = mapped_column(sa.String(200))
    #: Photos: the 320 px thumbnail key.
    thumb_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: The name offered on download (sanitised); the stored name is content-hashed.
    filename: Mapped[str] = mapped_column(sa.String(120), default="")
    caption: Mapped[str] = mapped_column(sa.String(120), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    #: False: office staff only (e.g. a draft feasibility study); stored under private/.
    public: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="attachments")


class ProjectView(Base):
    """One counted view: a visitor (hashed, never the raw IP) on a project on a day."""

    __tablename__ = "invest_project_views"
    __table_args__ = (sa.UniqueConstraint("project_id", "day", "visitor_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("invest_projects.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    #: sha256 of the secret key, the visitor key (user id, or IP + User-Agent) and the day.
    visitor_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
