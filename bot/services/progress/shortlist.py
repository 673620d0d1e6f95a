"""The title shortlist: proposals and acceptances against the plan's award targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.i18n import N_, Translator
from bot.models import (
    Campaign,
    DeadlineKind,
    Nominee,
    RegistrationEntry,
    Submission,
    SubmissionStatus,
    award_records,
)
from bot.services.access import NotFound, Scope, campaign_in_scope
from bot.services.progress.statuses import COUNTED_STATUSES, sent_parts
from bot.services.progress.targets import _text, to_decimal
from bot.services.titles import Title, titles_by_code


@dataclass(frozen=True)
class AwardRule:
    """How one award target of a campaign is counted from the registrations."""

    key: str
    label: str  # English msgid
    title_codes: tuple[str, ...]
    nominee: Nominee | None  # None: individuals and collectives alike
    count_enterprises: bool  # True: distinct enterprises proposed; False: nominees


# Names that identify the award titles in any catalogue, Vietnamese or ASCII.
_FLAG_NAMES = (
    "cờ thi đua của ubnd tỉnh",
    "cờ thi đua ubnd tỉnh",
    "cờ thi đua của ủy ban nhân dân tỉnh",
)

_MERIT_NAMES = (
    "bằng khen của chủ tịch ubnd tỉnh",
    "bằng khen chủ tịch ubnd tỉnh",
    "bằng khen của chủ tịch ủy ban nhân dân tỉnh",
)

# The codes titles.toml uses, for a catalogue that names them differently.
_FALLBACK_FLAG_CODES = ("CO_TINH",)

_FALLBACK_MERIT_CODES = ("BK_TINH",)


def _codes_named(titles: Mapping[str, Title], names: Iterable[str]) -> tuple[str, ...]:
    wanted = {n.casefold() for n in names}
    return tuple(
        code
        for code, title in titles.items()
        if " ".join(title.name_vi.casefold().split()) in wanted
    )


def default_award_rules(titles: Mapping[str, Title] | None = None) -> list[AwardRule]:
    """The 2024 plan's award targets, found in the title catalogue by their Vietnamese names."""
    titles = titles_by_code() if titles is None else titles
    flag = _codes_named(titles, _FLAG_NAMES) or _FALLBACK_FLAG_CODES
    merit = _codes_named(titles, _MERIT_NAMES) or _FALLBACK_MERIT_CODES
    return [
        AwardRule(
            "flag_enterprises",
            N_("Enterprises proposed for the provincial Emulation Flag"),
            flag,
            None,
            True,
        ),
        AwardRule(
            "merit_collectives",
            N_("Collectives proposed for the Chairman's Certificate of Merit"),
            merit,
            Nominee.COLLECTIVE,
            False,
        ),
        AwardRule(
            "merit_individuals",
            N_("Individuals proposed for the Chairman's Certificate of Merit"),
            merit,
            Nominee.INDIVIDUAL,
            False,
        ),
    ]


@dataclass(frozen=True)
class ShortlistLine:
    """One award target: how many are proposed (submitted or accepted) and accepted so far."""

    key: str
    msgid: str  # the rule's English label, translated when the campaign gives no label
    target: int
    proposed: int
    accepted: int
    label_vi: str = ""
    label_en: str = ""

    @property
    def reached(self) -> bool:
        return self.proposed >= self.target

    def label(self, t: Translator) -> str:
        own = self.label_en if t.language == "en" else self.label_vi
        return own or (t(self.msgid) if self.msgid else self.key)


def shortlist(
    session: Session,
    campaign_id: int,
    scope: Scope | None = None,
    rules: Sequence[AwardRule] | None = None,
) -> list[ShortlistLine]:
    """Where the title registrations stand against `Campaign.award_targets`.

    Only submitted and accepted registrations count as proposed. Without a scope the whole
    board of the campaign is counted (the targets are the board's); a cluster leader's scope
    counts his cluster's contribution only.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("There is no campaign number {id}."), id=campaign_id)
    scope = scope or Scope.board(campaign.organization_id)
    campaign_in_scope(session, campaign_id, scope)
    rules_by_key = {rule.key: rule for rule in (rules or default_award_rules())}

    rows = session.execute(
        sent_parts(
            sa_select(
                col(RegistrationEntry.title_code),
                col(RegistrationEntry.nominee),
                col(Submission.status),
                col(Submission.enterprise_id),
                func.count(col(RegistrationEntry.id)),
            ),
            RegistrationEntry,
            campaign_id,
            DeadlineKind.TITLE_REGISTRATION,
            COUNTED_STATUSES,
            scope,
        ).group_by(
            RegistrationEntry.title_code,
            col(RegistrationEntry.nominee),
            col(Submission.status),
            col(Submission.enterprise_id),
        )
    ).all()

    lines = []
    for key, record in award_records(campaign.award_targets):
        rule = rules_by_key.get(key)
        proposed = accepted = 0
        if rule is not None:
            proposed_set: set[int] = set()
            accepted_set: set[int] = set()
            for title_code, nominee, status, enterprise_id, n in rows:
                if title_code not in rule.title_codes:
                    continue
                if rule.nominee is not None and nominee != rule.nominee:
                    continue
                if rule.count_enterprises:
                    proposed_set.add(enterprise_id)
                    if status == SubmissionStatus.ACCEPTED:
                        accepted_set.add(enterprise_id)
                else:
                    proposed += n
                    if status == SubmissionStatus.ACCEPTED:
                        accepted += n
            if rule.count_enterprises:
                proposed, accepted = len(proposed_set), len(accepted_set)
        lines.append(
            ShortlistLine(
                key=key,
                msgid=rule.label if rule else "",
                target=int(to_decimal(record.get("value")) or 0),
                proposed=proposed,
                accepted=accepted,
                label_vi=_text(record, "label", "vi"),
                label_en=_text(record, "label", "en"),
            )
        )
    return lines
