"""The data model. Importing this package registers every table on `SQLModel.metadata`."""

from bot.models.audit import AuditEntry, ConversationState, ProcessedUpdate
from bot.models.campaign import (
    AwardRecord,
    AwardTargets,
    Campaign,
    Deadline,
    DeadlineExtension,
    Observance,
    Phase,
    award_records,
)
from bot.models.commendation import Decision, ProposalEntry, Score, ScoringCriterion
from bot.models.enums import (
    Audience,
    Channel,
    DeadlineKind,
    DeliveryKind,
    DeliveryStatus,
    FanoutStatus,
    LatePolicy,
    Nominee,
    Role,
    SubmissionStatus,
)
from bot.models.inbox import InboundUpdate
from bot.models.messaging import Broadcast, Delivery, Fanout
from bot.models.organization import (
    Cluster,
    Contact,
    Enterprise,
    InviteCode,
    LinkAttempt,
    Organization,
    Zone,
)
from bot.models.pacing import SendPace
from bot.models.submission import (
    Attachment,
    LaunchDocument,
    Receipt,
    RegistrationEntry,
    Submission,
    YearEndReport,
)
from bot.models.types import AwareDateTime, utcnow
from bot.models.upload import UploadLink

__all__ = [
    "Attachment",
    "Audience",
    "AuditEntry",
    "AwardRecord",
    "AwardTargets",
    "AwareDateTime",
    "Broadcast",
    "Campaign",
    "Channel",
    "Cluster",
    "Contact",
    "ConversationState",
    "Deadline",
    "DeadlineExtension",
    "DeadlineKind",
    "Decision",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Enterprise",
    "Fanout",
    "FanoutStatus",
    "InboundUpdate",
    "InviteCode",
    "LatePolicy",
    "LaunchDocument",
    "LinkAttempt",
    "Nominee",
    "Observance",
    "Organization",
    "Phase",
    "ProcessedUpdate",
    "ProposalEntry",
    "Receipt",
    "RegistrationEntry",
    "Role",
    "Score",
    "ScoringCriterion",
    "SendPace",
    "Submission",
    "SubmissionStatus",
    "UploadLink",
    "YearEndReport",
    "Zone",
    "award_records",
    "utcnow",
]
