"""Investment promotion models: projects and their history, attachments and views; inquiries as leads."""

from investment.models.lead import ActivityKind, Inquiry, LeadActivity, LeadPriority, LeadStage
from investment.models.project import (
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

__all__ = [
    "ActivityKind", "AttachmentKind", "CoopMode", "Inquiry", "LandNature", "LandStatus", "LeadActivity",
    "LeadPriority", "LeadStage", "Project", "ProjectAttachment", "ProjectStatus", "ProjectStatusChange",
    "ProjectView",
]
