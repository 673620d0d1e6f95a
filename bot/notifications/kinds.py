"""One class per kind of message the bot sends on its own: who gets it, what identifies it,
and its text.

An instance is a message's identity: the few values (campaign, item kind, planned local
day, the observance / phase / submission it is about, a variant, the broadcast) that are
stored as columns of the `Delivery` row. Nothing else is stored: `text()` builds the words
when the message is sent, from the plan and the submissions as they are then and in the
reader's language at that moment (`bot.notifications.render` loads the `Facts` for a batch).

Each class says who receives it in its docstring and `recipients`; the producers that pick
those contacts are the planner (reminders, prompts, phase notices, digests) and the domain
services (`bot.services.launch`, `bot.services.nudges`, `bot.services.review_notices`,
`bot.services.broadcasts`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, ClassVar, Self

from bot.i18n import N_, Translator
from bot.models import (
    Broadcast,
    Campaign,
    DeadlineExtension,
    DeadlineKind,
    DeliveryKind,
    Observance,
    Phase,
    Role,
    Submission,
)
from bot.notifications import texts
from bot.notifications.facts import Facts, Gone, Recipient
from bot.services.campaigns import (
    anniversary_label,
    anniversary_years,
    campaign_title,
    localized,
    observance_name,
    phase_name,
)
from bot.services.deadlines import accepts_late
from bot.services.items import kind_command, kind_label
from bot.services.targets import summary as targets_summary

# The Delivery columns an identity may fill, in the order the dedupe key lists them.
IDENTITY_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "item_kind",
    "subject_id",
    "variant",
    "broadcast_id",
    "planned_on",
    "body",
)


@dataclass(frozen=True)
class Notification:
    """A message's identity; subclasses add the identity fields they need (from
    `IDENTITY_COLUMNS`, plus `KEY_ONLY` fields that make the dedupe key unique without being
    needed to render)."""

    kind: ClassVar[DeliveryKind]
    recipients: ClassVar[str]
    # Worded for the local day it was planned for: `expired` if not sent that day.
    day_bound: ClassVar[bool] = False
    # About a submission: `cancelled` if the item is submitted or accepted before it goes.
    cancelled_when_submitted: ClassVar[bool] = False
    # An answer about a person's own business: sent at once, outside the sending hours too.
    prompt: ClassVar[bool] = False
    KEY_ONLY: ClassVar[tuple[str, ...]] = ()
    # Identity columns left out of the dedupe key (a chat reply's words).
    NOT_IN_KEY: ClassVar[tuple[str, ...]] = ()

    def identity(self) -> dict[str, Any]:
        """The Delivery columns of this message (every identity column, None when unused)."""
        values: dict[str, Any] = dict.fromkeys(IDENTITY_COLUMNS)
        for f in fields(self):
            if f.name in values:
                value = getattr(self, f.name)
                values[f.name] = value.value if isinstance(value, DeadlineKind) else value
        return values

    def key_parts(self) -> list[str]:
        """What the dedupe key holds before the contact (see `outbox.dedupe_key`)."""
        return [
            value.isoformat() if isinstance(value, date) else str(value)
            for f in fields(self)
            if f.name not in self.NOT_IN_KEY and (value := getattr(self, f.name)) is not None
        ]

    @classmethod
    def from_identity(cls, row: Any) -> Self:
        """The identity back from a Delivery row (or anything with the same attributes)."""
        values = {}
        for f in fields(cls):
            if f.name in cls.KEY_ONLY:
                continue
            value = getattr(row, f.name)
            if f.name == "item_kind" and value is not None:
                value = DeadlineKind(value)
            values[f.name] = value
        return cls(**values)

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        """The message in `t`'s language, from the facts as they are now (`Gone` if what
        it is about no longer exists)."""
        raise NotImplementedError

    def document(self, facts: Facts) -> str | None:
        """A file sent with the text (only broadcasts carry one)."""
        return None


# ------------------------------------------------------------------------------ reminders


@dataclass(frozen=True)
class DeadlineReminder(Notification):
    """A deadline is near, due today, or past, and the recipient's item is still owed."""

    kind = DeliveryKind.REMINDER
    recipients = (
        "reachable officers of the active enterprises of the campaign's board whose item "
        "is missing, a draft, or returned"
    )
    day_bound = True
    cancelled_when_submitted = True

    campaign_id: int
    item_kind: DeadlineKind
    planned_on: date

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        deadline = facts.deadline(self.campaign_id, self.item_kind)
        submission = facts.submission_of(self.campaign_id, self.item_kind, to.enterprise_id)
        # An enterprise the board extended a locked item for counts down to its own date.
        extended = facts.extended_until(self.campaign_id, self.item_kind, to.enterprise_id)
        late_ok = accepts_late(deadline)
        return texts.reminder_text(
            t,
            campaign_title=campaign_title(t, facts.get(Campaign, self.campaign_id)),
            kind=self.item_kind,
            due_on=extended if extended is not None and not late_ok else deadline.due_on,
            send_on=self.planned_on,
            status=submission.status if submission else None,
            review_note=submission.review_note if submission else None,
            accepts_late=late_ok,
            board=facts.board(self.campaign_id),
        )


@dataclass(frozen=True)
class Nudge(Notification):
    """A reminder a staff member asked for now ("nudge the missing"), at most once a day.

    Not day-bound: a person asked for it and its text names the due date, not "today";
    cancelled like a reminder if the item is submitted first.
    """

    kind = DeliveryKind.NUDGE
    recipients = "reachable officers of the enterprises staff chose among those missing the item"
    cancelled_when_submitted = True

    campaign_id: int
    item_kind: DeadlineKind
    planned_on: date  # the local day it was asked for: one nudge a day per officer

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        campaign = facts.get(Campaign, self.campaign_id)
        deadline = facts.deadline(self.campaign_id, self.item_kind)
        text = t(
            "Reminder from the board office: your enterprise has not yet submitted the {item} "
            "of {campaign} (due {date}).",
            item=kind_label(t, self.item_kind).lower(),
            campaign=localized(t, campaign.title, campaign.title_en),
            date=t.date(deadline.due_on),
        )
        return text + " " + t("Send /{command} to do it now.", command=kind_command(self.item_kind))


@dataclass(frozen=True)
class ExtensionGranted(Notification):
    """The board office extended a locked item for the recipient's enterprise until a date.

    Gone if the extension was withdrawn or moved again before it went out (the later grant
    is its own notice: the key holds the date).
    """

    kind = DeliveryKind.EXTENSION
    recipients = "reachable officers of the enterprise the board extended the item for"
    prompt = True

    campaign_id: int
    item_kind: DeadlineKind
    subject_id: int  # the DeadlineExtension
    planned_on: date  # the date it was extended to

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        extension = facts.get(DeadlineExtension, self.subject_id)
        if extension.until != self.planned_on:
            raise Gone("the extension was moved again; its later notice tells the date")
        deadline = facts.deadline(self.campaign_id, self.item_kind)
        return texts.date_change_text(
            t,
            campaign_title=campaign_title(t, facts.get(Campaign, self.campaign_id)),
            kind=self.item_kind,
            old=deadline.due_on,
            new=extension.until,
            extended=True,
        )


@dataclass(frozen=True)
class DeadlineMoved(Notification):
    """The board office moved a deadline of its running plan: the old and the new date.

    Gone if the deadline was moved again before it went out (the later move is its own
    notice), so an officer is told each date once and never a date no longer true.
    """

    kind = DeliveryKind.DEADLINE_MOVED
    recipients = "reachable officers of the active enterprises of the campaign's board"

    campaign_id: int
    item_kind: DeadlineKind
    variant: str  # the old due date, YYYY-MM-DD
    planned_on: date  # the new due date

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        deadline = facts.deadline(self.campaign_id, self.item_kind)
        if deadline.due_on != self.planned_on:
            raise Gone("the deadline was moved again; its later notice tells the date")
        return texts.date_change_text(
            t,
            campaign_title=campaign_title(t, facts.get(Campaign, self.campaign_id)),
            kind=self.item_kind,
            old=date.fromisoformat(self.variant),
            new=deadline.due_on,
            extended=False,
        )


# ------------------------------------------------------------------------ board notices


@dataclass(frozen=True)
class BoardNotice(Notification):
    """A notice about a day of the campaign's plan (a commemoration day, a phase beginning
    or ending) to the whole board, worded for the day it was planned for."""

    recipients = "reachable officers of the active enterprises of the campaign's board"
    day_bound = True

    campaign_id: int
    subject_id: int  # the Observance or the Phase it is about


@dataclass(frozen=True)
class CommemorationPrompt(BoardNotice):
    """A commemoration day is a few working days away: organise activities for it."""

    kind = DeliveryKind.OBSERVANCE

    planned_on: date

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        obs = facts.get(Observance, self.subject_id)
        campaign = facts.get(Campaign, self.campaign_id)
        phase = facts.phase_for_observance(obs, self.planned_on)
        years = anniversary_years(obs.on, obs.founded)
        return texts.observance_text(
            t,
            campaign_title=campaign_title(t, campaign),
            anniversary=anniversary_label(t, obs) if years else observance_name(t, obs),
            on=obs.on,
            years=years,
            call=localized(t, phase.call, phase.call_en) if phase else "",
        )


PHASE_START, PHASE_END = "start", "end"


@dataclass(frozen=True)
class PhaseNotice(BoardNotice):
    """A phase begins (its call to action), or ends in a week (the review follows)."""

    kind = DeliveryKind.PHASE_NOTICE

    variant: str  # PHASE_START or PHASE_END
    planned_on: date

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        phase = facts.get(Phase, self.subject_id)
        title = campaign_title(t, facts.get(Campaign, self.campaign_id))
        if self.variant == PHASE_START:
            return texts.phase_start_text(
                t,
                campaign_title=title,
                number=phase.number,
                name=phase_name(t, phase),
                starts_on=phase.starts_on,
                ends_on=phase.ends_on,
                call=localized(t, phase.call, phase.call_en),
            )
        return texts.phase_end_text(
            t,
            campaign_title=title,
            number=phase.number,
            name=phase_name(t, phase),
            ends_on=phase.ends_on,
            review_name=localized(t, phase.review_name, phase.review_name_en),
        )


# ------------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffDigest(Notification):
    """The Monday summary: counts per item and the overdue list, within the reader's scope."""

    kind = DeliveryKind.DIGEST
    recipients = (
        "reachable staff and admins of the board (admins without a board: every board) and "
        "cluster leaders (their cluster only)"
    )
    day_bound = True

    campaign_id: int
    planned_on: date

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        leader = to.role == Role.CLUSTER_LEADER
        if leader and to.cluster_id is None:
            raise Gone("a cluster leader without a cluster has no digest")
        figures = facts.digest(self.campaign_id, self.planned_on)
        scope = to.cluster_id if leader else None
        campaign = facts.get(Campaign, self.campaign_id)
        return texts.digest_text(
            t,
            campaign_title=campaign_title(t, campaign),
            on=self.planned_on,
            scope=figures.cluster_name(to.cluster_id) if leader else None,
            lines=figures.lines(scope, leader),
            overdue=figures.overdue(scope, leader),
            overdue_total=figures.overdue_total(scope, leader),
            audience=campaign.audience,
            targets=targets_summary(t, campaign.targets, campaign.year),
        )


# ------------------------------------------------------------------- staff decisions


@dataclass(frozen=True)
class CampaignLaunch(Notification):
    """The board launches a campaign: theme, phases, what each enterprise sends and when."""

    kind = DeliveryKind.LAUNCH
    recipients = "reachable linked officers of the board's active enterprises"

    campaign_id: int

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        campaign = facts.get(Campaign, self.campaign_id)
        return texts.launch_text(
            t, campaign, facts.phases_of(self.campaign_id), facts.deadlines_of(self.campaign_id)
        )


REVIEW_ACCEPTED, REVIEW_RETURNED = "accepted", "returned"


@dataclass(frozen=True)
class ReviewResult(Notification):
    """The board office accepted an item, or returned it with the reviewer's reason."""

    kind = DeliveryKind.REVIEW_RESULT
    recipients = "reachable officers of the submitting enterprise"
    prompt = True
    KEY_ONLY = ("version",)

    campaign_id: int
    item_kind: DeadlineKind
    subject_id: int  # the Submission
    variant: str  # REVIEW_ACCEPTED or REVIEW_RETURNED
    version: int = 0  # the reviewed version: a later return is a new message

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        submission = facts.get(Submission, self.subject_id)
        campaign = facts.get(Campaign, self.campaign_id)
        return texts.review_text(
            t,
            campaign_title=campaign_title(t, campaign),
            kind=self.item_kind,
            receipt=submission.receipt_number or "-",
            returned=self.variant == REVIEW_RETURNED,
            note=submission.review_note or "",
        )


@dataclass(frozen=True)
class BroadcastMessage(Notification):
    """Free text (and perhaps a document) staff wrote; the body is stored once, on the
    Broadcast row."""

    kind = DeliveryKind.BROADCAST
    recipients = "the linked, reachable officers of the audience staff chose, within their scope"

    broadcast_id: int

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        return facts.get(Broadcast, self.broadcast_id).text

    def document(self, facts: Facts) -> str | None:
        return facts.get(Broadcast, self.broadcast_id).document_path


@dataclass(frozen=True)
class ChatReply(Notification):
    """A conversation's answer that reaches the chat through the outbox: the next question
    of a flow after a file was uploaded on the web page, say. Its words were written by the
    flow for this reader when it answered, so they are stored (the one kind that stores
    them) and go out at once."""

    kind = DeliveryKind.CHAT_REPLY
    recipients = "the contact the conversation is with"
    prompt = True
    KEY_ONLY = ("reference",)
    NOT_IN_KEY = ("body",)

    body: str
    reference: str = ""  # what answered, once (e.g. "upload:12"): the dedupe key's part

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        return self.body


@dataclass(frozen=True)
class Invitation(Notification):
    """An enterprise's invitation to link its chat, by e-mail (bot/services/onboarding.py):
    its code and links were written when the code was issued, so the words are stored like a
    chat reply's; it waits for the sending hours and never expires (the code is valid for
    weeks). Re-issuing a code cancels the unsent invitation of the old one."""

    kind = DeliveryKind.INVITE
    recipients = "the enterprise's e-mail contact, when it has no chat account"
    KEY_ONLY = ("reference",)
    NOT_IN_KEY = ("body",)

    body: str
    reference: str = ""  # the invite code's id: one invitation per code and address

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        return self.body


@dataclass(frozen=True)
class CodeGuessingAlert(Notification):
    """Wrong invite codes from all accounts reached the limit of an hour
    (bot/services/invites.py): someone may be guessing codes, and linking by code is paused.
    Sent at once; the key holds the hour, so each person gets one alert an hour.

    The figures are read when it is sent from the wrong try that reached the limit
    (`subject_id`): how many wrong codes the hour before it held, from how many accounts.
    """

    kind = DeliveryKind.NOTICE
    recipients = "reachable admins and staff of every board"
    prompt = True
    KEY_ONLY = ("hour",)
    NOT_IN_KEY = ("subject_id", "variant")

    subject_id: int  # the LinkAttempt that reached the limit
    variant: str  # when linking resumes, in the board's local time: YYYY-MM-DDTHH:MM
    hour: str = ""  # the hour it was raised in (UTC, YYYYMMDDHH): one alert an hour

    def text(self, t: Translator, facts: Facts, to: Recipient) -> str:
        tries, accounts = facts.wrong_codes_up_to(self.subject_id)
        return t(
            "Warning: {n} wrong invite codes in the last hour from {accounts} chat accounts; "
            "someone may be guessing codes. Linking with an invite code is paused until {until}.",
            n=tries,
            accounts=accounts,
            until=t.datetime(datetime.fromisoformat(self.variant)),
        )


KINDS: dict[DeliveryKind, type[Notification]] = {
    cls.kind: cls
    for cls in (
        DeadlineReminder,
        Nudge,
        CommemorationPrompt,
        PhaseNotice,
        StaffDigest,
        CampaignLaunch,
        ReviewResult,
        BroadcastMessage,
        ChatReply,
        ExtensionGranted,
        DeadlineMoved,
        Invitation,
        CodeGuessingAlert,
    )
}
DAY_BOUND_KINDS: tuple[DeliveryKind, ...] = tuple(k for k, c in KINDS.items() if c.day_bound)
CANCELLABLE_KINDS: tuple[DeliveryKind, ...] = tuple(
    k for k, c in KINDS.items() if c.cancelled_when_submitted
)
PROMPT_KINDS: tuple[DeliveryKind, ...] = tuple(k for k, c in KINDS.items() if c.prompt)
KIND_NAMES: dict[DeliveryKind, str] = {
    DeliveryKind.REMINDER: N_("deadline reminder"),
    DeliveryKind.NUDGE: N_("reminder from the office"),
    DeliveryKind.OBSERVANCE: N_("commemoration prompt"),
    DeliveryKind.PHASE_NOTICE: N_("phase notice"),
    DeliveryKind.DIGEST: N_("weekly digest"),
    DeliveryKind.BROADCAST: N_("broadcast"),
    DeliveryKind.LAUNCH: N_("campaign launch"),
    DeliveryKind.REVIEW_RESULT: N_("review result"),
    DeliveryKind.CHAT_REPLY: N_("chat reply"),
    DeliveryKind.EXTENSION: N_("extension of a deadline"),
    DeliveryKind.DEADLINE_MOVED: N_("deadline moved"),
}

__all__ = [
    "CANCELLABLE_KINDS",
    "DAY_BOUND_KINDS",
    "IDENTITY_COLUMNS",
    "KINDS",
    "KIND_NAMES",
    "PHASE_END",
    "PHASE_START",
    "PROMPT_KINDS",
    "REVIEW_ACCEPTED",
    "REVIEW_RETURNED",
    "BoardNotice",
    "BroadcastMessage",
    "CampaignLaunch",
    "ChatReply",
    "CodeGuessingAlert",
    "CommemorationPrompt",
    "DeadlineMoved",
    "DeadlineReminder",
    "ExtensionGranted",
    "Notification",
    "Nudge",
    "PhaseNotice",
    "ReviewResult",
    "StaffDigest",
]
