"""Projects: create, edit, move through the status machine, attachments, de-duplicated views."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from investment import policy
from investment import search as project_search
from investment.models import (
    AttachmentKind,
    CoopMode,
    LandNature,
    LandStatus,
    Project,
    ProjectAttachment,
    ProjectStatus,
    ProjectStatusChange,
    ProjectView,
)
from investment.services import InvestError
from investment.vocab import STATUS_LABELS, sector_codes
from marketplace.accounts.models import User
from marketplace.db import atomic, utcnow
from marketplace.extensions import db
from marketplace.media import PDF_MAGIC, check_pdf, get_storage, ingest_image, read_upload
from marketplace.regions.models import Region, RegionLevel
from marketplace.states import StateMachine

S = ProjectStatus
PROJECT_MACHINE = StateMachine("project", {
    S.DRAFT: {S.IN_REVIEW},
    S.IN_REVIEW: {S.PUBLISHED, S.DRAFT},
    S.PUBLISHED: {S.SIGNED, S.CLOSED, S.WITHDRAWN, S.DRAFT},
    S.SIGNED: set(),
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}, labels=STATUS_LABELS, history=ProjectStatusChange, history_key="project_id", note_column="reason",
    note_length=2000, stamps={S.PUBLISHED: "published_at", S.SIGNED: "closed_at", S.CLOSED: "closed_at",
                              S.WITHDRAWN: "closed_at"})

#: Fields an officer edits; amounts arrive already in fen, land in hundredths of a 亩.
EDITABLE = ("title", "summary", "sector", "region_id", "park", "address", "total_investment_cents", "sought_cents",
            "mode", "land_area_hundredths", "land_nature", "land_status", "construction", "market_outlook",
            "incentives", "expected_returns", "contact_name", "contact_phone", "contact_email", "contact_private",
            "officer_id", "valid_until")

MAX_PHOTOS = 12
MAX_DOCUMENTS = 10


def local_today() -> dt.date:
    tz = zoneinfo.ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return dt.datetime.now(tz).date()


def _validate(fields: dict) -> dict:
    clean = {k: fields[k] for k in EDITABLE if k in fields}
    title = (clean.get("title") or "").strip()
    if not title:
        raise InvestError(_("请填写项目名称"), field="title")
    clean["title"] = title[:120]
    if clean.get("sector") not in sector_codes():
        raise InvestError(_("请选择行业"), field="sector")
    region = db.session.get(Region, clean.get("region_id") or 0)
    if region is None or region.level == RegionLevel.VILLAGE:
        raise InvestError(_("请选择项目所在县区"), field="region_id")
    total, sought = clean.get("total_investment_cents") or 0, clean.get("sought_cents") or 0
    if total <= 0:
        raise InvestError(_("请填写总投资额"), field="total_investment_cents")
    if sought > total:
        raise InvestError(_("拟引资额不能大于总投资额"), field="sought_cents")
    clean["total_investment_cents"], clean["sought_cents"] = total, sought
    clean["mode"] = CoopMode(clean.get("mode") or CoopMode.COOPERATION)
    clean["land_nature"] = LandNature(clean.get("land_nature") or LandNature.NONE)
    clean["land_status"] = LandStatus(clean.get("land_status") or LandStatus.NONE)
    if clean.get("officer_id"):
        officer = db.session.get(User, clean["officer_id"])
        if officer is None or not policy.is_office(officer):
            raise InvestError(_("负责人必须是招商工作人员"), field="officer_id")
    else:
        clean["officer_id"] = None
    for key in ("summary", "park", "address", "construction", "market_outlook", "incentives", "expected_returns",
                "contact_name", "contact_phone", "contact_email"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    return clean


def next_code(year: int | None = None) -> str:
    year = year or local_today().year
    prefix = f"SQ-{year}-"
    last = db.session.scalar(sa.select(sa.func.max(Project.code)).where(Project.code.like(prefix + "%")))
    n = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{n:04d}"


@atomic()
def create_project(actor, fields: dict, *, code: str | None = None) -> Project:
    """A new draft by an office member."""
    if not policy.is_office(actor):
        raise Forbidden()
    clean = _validate(fields)
    project = Project(code=code or next_code(), status=ProjectStatus.DRAFT, created_by_id=actor.id, **clean)
    project.history.append(ProjectStatusChange(from_status=None, to_status=ProjectStatus.DRAFT, actor_id=actor.id))
    db.session.add(project)
    db.session.flush()
    project_search.changed(project.id)
    return project


@atomic()
def update_project(actor, project: Project, fields: dict) -> Project:
    """Edit a project the actor may edit (drafts; in review only with the reviewer role)."""
    if not policy.can_edit(actor, project):
        raise Forbidden()
    for key, value in _validate(fields).items():
        setattr(project, key, value)
    project.updated_at = utcnow()
    project_search.changed(project.id)
    return project


@atomic()
def set_status(actor, project: Project, target: ProjectStatus, reason: str | None = None,
               signed_amount_cents: int | None = None) -> Project:
    """Move a project along the machine; records who/when/why. Refuses the move before changing anything."""
    target = ProjectStatus(target)
    PROJECT_MACHINE.check(project.status, target)
    if not policy.can_move(actor, project, target):
        raise Forbidden()
    reason = (reason or "").strip()[:2000]
    if project.status == ProjectStatus.IN_REVIEW and target == ProjectStatus.DRAFT and not reason:
        raise InvestError(_("退回时请写明原因"), field="reason")
    if target == ProjectStatus.IN_REVIEW:
        _check_complete(project)
    fields: dict = {}
    if target == ProjectStatus.PUBLISHED:
        fields["status_reason"] = None
    elif target == ProjectStatus.SIGNED:
        fields["signed_amount_cents"] = signed_amount_cents or project.sought_cents
    elif target in (ProjectStatus.DRAFT, ProjectStatus.CLOSED, ProjectStatus.WITHDRAWN):
        fields["status_reason"] = reason or None
    PROJECT_MACHINE.move(project, target, actor=actor, note=reason, **fields)
    project_search.changed(project.id)
    return project


def _check_complete(project: Project) -> None:
    missing = [label for ok, label in [
        (project.summary, _("项目简介")),
        (project.contact_name or project.officer_id, _("联系人")),
    ] if not ok]
    if missing:
        raise InvestError(_("提交审核前请补全：%(fields)s", fields="、".join(missing)))


# --- attachments -------------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")


def _clean_filename(name: str) -> str:
    stem = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = _SAFE_NAME.sub("_", stem).strip("._")[:80] or "document"
    return stem + ".pdf"


def _require_attachment_rights(actor, project: Project) -> None:
    if not policy.can_edit(actor, project):
        raise Forbidden()


@atomic()
def add_photo(actor, project: Project, file_storage, caption: str = "") -> ProjectAttachment:
    _require_attachment_rights(actor, project)
    if len(project.photos) >= MAX_PHOTOS:
        raise InvestError(_("每个项目最多 %(n)d 张照片", n=MAX_PHOTOS), field="file")
    data = read_upload(file_storage, current_app.config["UPLOAD_IMAGE_MAX_BYTES"])
    stored = ingest_image(data, prefix="public/invest", sizes=(320, 800, 1600))
    att = ProjectAttachment(kind=AttachmentKind.PHOTO, key=stored.key(800), thumb_key=stored.key(320),
                            filename="", caption=(caption or "").strip()[:120], size_bytes=len(data), public=True,
                            position=len(project.attachments), uploaded_by_id=actor.id)
    project.attachments.append(att)
    return att


@atomic()
def add_pdf(actor, project: Project, file_storage, caption: str = "", public: bool = True) -> ProjectAttachment:
    _require_attachment_rights(actor, project)
    if len(project.documents) >= MAX_DOCUMENTS:
        raise InvestError(_("每个项目最多 %(n)d 份资料", n=MAX_DOCUMENTS), field="file")
    data = read_upload(file_storage, current_app.config.get("INVEST_PDF_MAX_BYTES", 15 * 1024 * 1024))
    check_pdf(data)
    digest = hashlib.sha256(data).hexdigest()[:32]
    folder = "public" if public else "private"
    key = get_storage().save(f"{folder}/invest-docs/{digest[:2]}/{digest}.pdf", data)
    att = ProjectAttachment(kind=AttachmentKind.PDF, key=key, filename=_clean_filename(file_storage.filename),
                            caption=(caption or "").strip()[:120] or _clean_filename(file_storage.filename),
                            size_bytes=len(data), public=public, position=len(project.attachments),
                            uploaded_by_id=actor.id)
    project.attachments.append(att)
    return att


@atomic()
def add_attachment(actor, project: Project, file_storage, caption: str = "", public: bool = True) -> ProjectAttachment:
    """One upload from the office page: a PDF (judged by its first bytes) or else a photo."""
    head = file_storage.stream.read(len(PDF_MAGIC)) if file_storage else b""
    if file_storage:
        file_storage.stream.seek(0)
    if head.startswith(PDF_MAGIC):
        return add_pdf(actor, project, file_storage, caption, public)
    return add_photo(actor, project, file_storage, caption)


def delete_attachment(actor, attachment: ProjectAttachment) -> None:
    """Remove the row; a PDF's content-hashed file goes too once no other row uses it."""
    with atomic():
        _require_attachment_rights(actor, attachment.project)
        keys = [k for k in (attachment.key, attachment.thumb_key) if k]
        is_pdf = attachment.kind == AttachmentKind.PDF
        db.session.delete(attachment)
        db.session.flush()
        unused = [key for key in keys if not db.session.scalar(
            sa.select(sa.func.count()).select_from(ProjectAttachment).where(
                sa.or_(ProjectAttachment.key == key, ProjectAttachment.thumb_key == key)))]
    # Files go after the rows are committed: a rolled-back delete keeps its file.
    if is_pdf:
        for key in unused:
            get_storage().delete(key)


# --- views ---------------------------------------------------------------------------------------

_BOT_UA = re.compile(
    r"bot|crawl|spider|slurp|baiduspider|yandex|bingpreview|facebookexternalhit|curl|wget|python-requests|"
    r"python-urllib|httpclient|okhttp|go-http-client|java/|libwww|scrapy|headlesschrome|phantomjs|monitor|"
    r"preview|fetch|scan", re.I)


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or bool(_BOT_UA.search(user_agent))


def record_view(project: Project, visitor_key: str, user_agent: str | None) -> bool:
    """Count a view once per visitor per (local) day; bots and office staff's previews are ignored.

    The unique constraint decides under concurrency: a duplicate insert fails inside a savepoint and
    counts nothing. Returns whether the view was counted.
    """
    if project.status != ProjectStatus.PUBLISHED or is_bot(user_agent):
        return False
    day = local_today()
    secret = current_app.config["SECRET_KEY"]
    digest = hashlib.sha256(f"{secret}|{visitor_key}|{day.isoformat()}".encode()).hexdigest()
    exists = db.session.scalar(sa.select(ProjectView.id).where(
        ProjectView.project_id == project.id, ProjectView.day == day, ProjectView.visitor_hash == digest))
    if exists:
        return False
    with atomic():
        try:
            with db.session.begin_nested():
                db.session.add(ProjectView(project_id=project.id, day=day, visitor_hash=digest))
        except sa.exc.IntegrityError:
            return False
        db.session.execute(sa.update(Project).where(Project.id == project.id)
                           .values(view_count=Project.view_count + 1).execution_options(synchronize_session=False))
    db.session.refresh(project)
    return True
