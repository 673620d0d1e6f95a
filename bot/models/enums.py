"""Closed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Where a contact talks to the bot: a chat platform, the console (tests, demos), or
    e-mail for an enterprise that has no chat account yet."""

    TELEGRAM = "telegram"
    ZALO = "zalo"
    CONSOLE = "console"
    # Not a chat: an enterprise's e-mail address, used only while it has no chat contact.
    EMAIL = "email"


class Role(StrEnum):
    """What a contact is: an enterprise's `officer`, who reports for it; or of the board
    office: `staff`, who run the campaigns and review; a `cluster_leader`, who sees one
    cluster (cụm thi đua) only; an `admin`, named in THIDUA_ADMINS."""

    OFFICER = "officer"
    STAFF = "staff"
    CLUSTER_LEADER = "cluster_leader"
    ADMIN = "admin"


class Audience(StrEnum):
    """Who a campaign is for, and which of those a participant row is.

    `enterprises`: the enterprises in the board's zones (most plans). `board_units`: the
    board's own units (phòng, trung tâm…) and their staff, as in the Sóc Trăng 2021–2025 plan
    ("Tập thể và cá nhân thuộc Ban Quản lý các khu công nghiệp"). One vocabulary for both the
    campaign and the participant, so "who takes part" is one comparison
    (bot/services/audience.py).
    """

    ENTERPRISES = "enterprises"
    BOARD_UNITS = "board_units"


class DeadlineKind(StrEnum):
    """The items a campaign's plan asks every participant for, each with a deadline (their
    labels, commands and receipt prefixes are in bot/services/items.py)."""

    LAUNCH_DOCUMENT = "launch_document"
    TITLE_REGISTRATION = "title_registration"
    YEAR_END_REPORT = "year_end_report"
    SIX_MONTH_REPORT = "six_month_report"
    COMMENDATION_PROPOSAL = "commendation_proposal"


class LatePolicy(StrEnum):
    """What happens to an item after its due date (chosen per deadline by the plan).

    `lock`: closed at the end of the due date; the board may extend it for one enterprise.
    `accept_late`: still accepted after the due date, each late submission marked "nộp muộn".
    """

    LOCK = "lock"
    ACCEPT_LATE = "accept_late"


class SubmissionStatus(StrEnum):
    """Where one participant's item stands: a `draft` being filled in, `submitted` to the
    board office, then `returned` for correction (and submitted again) or `accepted`."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class Nominee(StrEnum):
    """Whom a title registration or commendation proposal names: a person or a collective
    (a unit, a team, the enterprise)."""

    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"


class DeliveryStatus(StrEnum):
    """Where one outbox message stands.

    `expired`: a day-bound automatic message (reminder, commemoration prompt, phase notice,
    digest) not sent on the local day it was planned for; its wording ("today is the last
    day") would be wrong later. `cancelled`: a deadline reminder or a staff nudge whose item
    was submitted or accepted before it went out. Neither is ever sent.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class FanoutStatus(StrEnum):
    """Where one planned message to a whole audience stands (`Fanout`).

    `pending`: its per-contact deliveries are still being written, batch by batch, as the
    dispatcher needs them. `expanded`: every recipient has its delivery. `expired` and
    `cancelled` as for a delivery: the rest of the audience gets nothing.
    """

    PENDING = "pending"
    EXPANDED = "expanded"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class DeliveryKind(StrEnum):
    """What an outbox message is; each has its class in `bot.notifications`."""

    REMINDER = "reminder"
    NUDGE = "nudge"
    OBSERVANCE = "observance"
    PHASE_NOTICE = "phase_notice"
    DIGEST = "digest"
    BROADCAST = "broadcast"
    LAUNCH = "launch"
    NOTICE = "notice"
    INVITE = "invite"
    REVIEW_RESULT = "review_result"
    CHAT_REPLY = "chat_reply"
    DEADLINE_MOVED = "deadline_moved"
    EXTENSION = "extension"
