"""Who may do what in the investment domain: the ONE place for its role and ownership checks.

- Office staff: officers, reviewers (senior officers) and admins reach /invest/office.
- Officers create projects and edit drafts; a project in review is edited only by a reviewer or admin.
- Review (in_review -> published, or back to draft with a reason) needs the reviewer role or admin.
- Visitors see published projects only, and a project's contact details only when not private.
- An investor sees his own inquiries only (another's id -> 404).
- An inquiry's contact details: in full for the officer working the lead, masked for other staff.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from investment.models import Inquiry, Project, ProjectAttachment, ProjectStatus
from marketplace.accounts.models import Role
from marketplace.accounts.policy import role_required
from marketplace.extensions import db

office_required = role_required(Role.OFFICER, Role.REVIEWER)
reviewer_required = role_required(Role.REVIEWER)

#: Statuses an officer may edit in (published -> draft first, so the edit is reviewed again).
_EDITABLE_BY_OFFICER = {ProjectStatus.DRAFT}
_EDITABLE_BY_REVIEWER = {ProjectStatus.DRAFT, ProjectStatus.IN_REVIEW}

#: Moves that need the reviewer role (or admin); the rest are open to any office staff.
_REVIEW_MOVES = {
    (ProjectStatus.IN_REVIEW, ProjectStatus.PUBLISHED),
    (ProjectStatus.IN_REVIEW, ProjectStatus.DRAFT),
}


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_office(user=None) -> bool:
    user = current_user if user is None else user
    return _authenticated(user) and (user.is_admin or user.has_role(Role.OFFICER) or user.has_role(Role.REVIEWER))


def is_reviewer(user=None) -> bool:
    user = current_user if user is None else user
    return _authenticated(user) and (user.is_admin or user.has_role(Role.REVIEWER))


def can_edit(user, project: Project) -> bool:
    if not is_office(user):
        return False
    allowed = _EDITABLE_BY_REVIEWER if is_reviewer(user) else _EDITABLE_BY_OFFICER
    return project.status in allowed


def can_move(user, project: Project, target: ProjectStatus) -> bool:
    """Role check for a status move (the state machine checks whether the move exists at all)."""
    if not is_office(user):
        return False
    if (project.status, target) in _REVIEW_MOVES:
        return is_reviewer(user)
    return True


def can_see_contact(user, project: Project) -> bool:
    return not project.contact_private or is_office(user)


def can_see_lead_contact(user, inquiry: Inquiry) -> bool:
    """The officer working a lead reads the investor's name and contact in full; other staff read them
    masked. Working it: the lead's owner; while nobody owns it, the project's officer in charge, or any
    office staff when the project has none (the inquiry's e-mail went to all of them)."""
    if not is_office(user):
        return False
    if inquiry.owner_id is not None:
        return inquiry.owner_id == user.id
    return inquiry.project.officer_id in (None, user.id)


def can_download(user, attachment: ProjectAttachment) -> bool:
    if is_office(user):
        return True
    return attachment.public and attachment.project.status == ProjectStatus.PUBLISHED


def public_project_or_404(project_id: int) -> Project:
    """A project a visitor may see (published); office staff may also preview any other status."""
    project = db.session.get(Project, project_id)
    if project is None or not (project.is_public or is_office()):
        abort(404)
    return project


def office_project_or_404(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    return project


def require_edit(project: Project) -> None:
    if not can_edit(current_user, project):
        abort(403)


def own_inquiry_or_404(inquiry_id: int) -> Inquiry:
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None or not _authenticated(current_user) or inquiry.user_id != current_user.id:
        abort(404)
    return inquiry

