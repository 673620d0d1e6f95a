"""The chat texts of the progress views: overview, targets, shortlist, missing list."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import N_, Translator
from bot.models import (
    SubmissionStatus,
)
from bot.services.audience import Audience, words
from bot.services.items import kind_label
from bot.services.numbers import format_percent, format_quantity
from bot.services.progress.missing import MissingEnterprise, missing_state
from bot.services.progress.overview import Counts, GroupCounts, Progress
from bot.services.progress.shortlist import ShortlistLine
from bot.services.progress.statuses import status_label
from bot.services.progress.targets import TargetProgress
from bot.services.targets import goal_text
from bot.services.targets import heading as target_heading


def _counts_line(t: Translator, counts: Counts) -> str:
    return t(
        "{accepted} accepted · {submitted} submitted · {returned} returned · "
        "{missing} missing of {total}",
        accepted=t.number(counts.accepted),
        submitted=t.number(counts.submitted),
        returned=t.number(counts.returned),
        missing=t.number(counts.missing),
        total=t.number(counts.total),
    )


NO_ZONE = N_("No zone")

NO_CLUSTER = N_("No cluster")


def group_name(t: Translator, group: GroupCounts, none_label: str) -> str:
    """A zone's or cluster's name; `none_label` (NO_ZONE, NO_CLUSTER) for the rest."""
    return group.name if group.id is not None else t(none_label)


def _group_line(t: Translator, group: GroupCounts, none_label: str) -> str:
    """One zone or cluster, compact (the full breakdown is on the deadline's own line)."""
    counts = group.counts
    return "  • " + t(
        "{name}: {received}/{total} received ({accepted} accepted), {missing} missing",
        name=group_name(t, group, none_label),
        received=t.number(counts.received),
        total=t.number(counts.total),
        accepted=t.number(counts.accepted),
        missing=t.number(counts.missing),
    )


def render_progress_text(t: Translator, progress: Progress, details: bool = True) -> str:
    """The progress as a chat message (with the zone and cluster breakdowns when `details`)."""
    lines = [t("Progress of {title}", title=progress.campaign_title)]
    if progress.cluster_name is not None:
        lines.append(t("Cluster: {name}", name=progress.cluster_name))
    lines.append(
        words(
            t,
            progress.audience,
            N_("Enterprises: {n}"),
            N_("Units: {n}"),
            n=t.number(progress.enterprises),
        )
    )
    if not progress.items:
        lines.append(t("This campaign has no deadlines."))
    for item in progress.items:
        lines.append("")
        lines.append(
            t("{item} (due {date})", item=kind_label(t, item.kind), date=t.date(item.due_on))
        )
        lines.append(_counts_line(t, item.overall))
        if item.overall.draft:
            lines.append(t("of which {n} drafts not yet sent", n=t.number(item.overall.draft)))
        if item.overall.late:
            lines.append(t("of which {n} submitted late", n=t.number(item.overall.late)))
        if not details or progress.audience is Audience.BOARD_UNITS:
            continue  # the board's own units are in no zone and no cluster
        if progress.cluster_id is None and item.by_cluster:
            lines.append(t("By cluster:"))
            lines.extend(_group_line(t, g, NO_CLUSTER) for g in item.by_cluster)
        if item.by_zone:
            lines.append(t("By zone:"))
            lines.extend(_group_line(t, g, NO_ZONE) for g in item.by_zone)
    return "\n".join(lines)


def render_targets_text(
    t: Translator, targets: Sequence[TargetProgress], campaign_year: int | None = None
) -> str:
    """The figures reported so far against the plan's targets, as a chat message: which
    year's targets they are, each as the plan words it ("khoảng", "từ … trở lên", a range)."""
    lines = [t("Reported figures against the plan")]
    if targets and campaign_year is not None:
        lines.append(target_heading(t, [target.spec for target in targets], campaign_year))
    if not targets:
        lines.append(t("This campaign has no targets."))
    for target in targets:
        label = target.label_in(t.language)
        if target.reported is None and target.spec:
            lines.append(
                t(
                    "• {label}: target {goal}; no reported figure adds up to it yet",
                    label=label,
                    goal=goal_text(t, target.spec),
                )
            )
            continue
        if target.reported is None:
            lines.append(t("• {label}: no reported figure adds up to this target", label=label))
            continue
        unit = target.unit_in(t.language)
        if target.spec:
            line = t(
                "• {label}: {reported} from {n} enterprises; target {goal}",
                label=label,
                reported=format_quantity(t, target.reported, unit),
                n=t.number(target.enterprises),
                goal=goal_text(t, target.spec),
            )
        else:
            goal = format_quantity(t, target.target, unit) if target.target is not None else "—"
            line = t(
                "• {label}: {reported} / {target} from {n} enterprises",
                label=label,
                reported=format_quantity(t, target.reported, unit),
                target=goal,
                n=t.number(target.enterprises),
            )
        if target.percent is not None:
            line += f" ({format_percent(t, target.percent)})"
        lines.append(line)
    return "\n".join(lines)


def render_shortlist_text(t: Translator, lines: Sequence[ShortlistLine]) -> str:
    """The award shortlist against the plan's award targets, as a chat message."""
    out = [t("Award shortlist")]
    if not lines:
        out.append(t("This campaign sets no award targets."))
    for line in lines:
        mark = "✅" if line.reached else "⏳"
        out.append(
            t(
                "{mark} {label}: {proposed} proposed ({accepted} accepted), target {target}",
                mark=mark,
                label=line.label(t),
                proposed=t.number(line.proposed),
                accepted=t.number(line.accepted),
                target=t.number(line.target),
            )
        )
    return "\n".join(out)


def missing_status(t: Translator, enterprise: MissingEnterprise) -> str:
    """The status column of the missing export: the status, and why a returned item came back."""
    label = status_label(t, enterprise.status)
    if enterprise.status == SubmissionStatus.RETURNED and enterprise.review_note:
        return f"{label}: {enterprise.review_note}"
    return label


MISSING_REASON_LIMIT = 80  # characters of a return reason shown per line of the chat list


def render_missing_text(
    t: Translator,
    kind: str,
    missing: Sequence[MissingEnterprise],
    limit: int = 50,
    audience: Audience | str = Audience.ENTERPRISES,
) -> str:
    """The missing list as a chat message: each participant and whether it can be nudged."""
    lines = [
        words(
            t,
            audience,
            N_("{item}: {n} enterprises have not submitted"),
            N_("{item}: {n} units have not submitted"),
            item=kind_label(t, kind),
            n=t.number(len(missing)),
        )
    ]
    for number, enterprise in enumerate(missing[:limit], start=1):
        if not enterprise.contacts:
            reach = t("no linked officer")
        elif enterprise.reachable:
            reach = t("reachable")
        else:
            reach = t("unreachable")
        state = ""
        if enterprise.status is not None:
            state = " · " + missing_state(t, enterprise, reason_limit=MISSING_REASON_LIMIT)
        lines.append(f"{number}. {enterprise.name} ({enterprise.tax_code}) · {reach}{state}")
    if len(missing) > limit:
        lines.append(t("… and {n} more", n=t.number(len(missing) - limit)))
    return "\n".join(lines)
