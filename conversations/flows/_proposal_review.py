"""/review of a commendation proposal, entry by entry (bình xét).

For each entry awaiting a verdict: who, the title or form proposed, the summary of
achievements, the initiative, and the enterprise's place in the cluster's ranking where the
plan scores. Accept, return with a reason, or move to a lower form. When the last entry of a
proposal has its verdict the proposal is settled (accepted, or returned with the reasons) and
the enterprise's officers are told at once. The steps are built by `steps()` with the review
flow's own helpers, so /review stays the one place staff review every kind of item.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.messaging import Choice, Reply
from bot.models import Campaign, Enterprise, Submission, SubmissionStatus
from bot.models.commendation import ProposalEntry
from bot.services import commendations as com
from bot.services import proposals as prop
from bot.services.review_results import tell_officers
from bot.services.titles import get_title
from conversations.flow import Answer, Ctx, Finish, Goto, Invalid, Outcome, Step, reply

ACCEPT = "pe:accept"
RETURN = "pe:return"
LOWER = "pe:lower"
SKIP = "rev:skip"
STOP = "rev:stop"
TO = "to:"

Advance = Callable[[Ctx, list[Reply]], Outcome]
Current = Callable[[Ctx], Submission]


def _title(ctx: Ctx, code: str) -> str:
    return get_title(code).name(ctx.t.language)


def _entry(ctx: Ctx, current: Current) -> ProposalEntry:
    """The entry under review: the first awaiting a verdict in the current proposal."""
    pending = com.pending_entries(ctx.session, current(ctx))
    if not pending:
        raise Invalid(ctx.t("This proposal has no entry awaiting review any more."))
    return pending[0]


def entry_lines(ctx: Ctx, submission: Submission) -> list[str]:
    """The proposal's entries with their verdicts (for the item's summary)."""
    t = ctx.t
    lines = []
    for i, e in enumerate(prop.list_proposals(ctx.session, submission), 1):
        who = e.full_name or e.unit_name
        verdict = t(com.REVIEW_LABELS.get(e.review, e.review))
        if e.review == "lowered" and e.awarded_code:
            verdict += f" ({_title(ctx, e.awarded_code)})"
        lines.append(f"{i}. {who}: {_title(ctx, e.title_code)} · {verdict}")
    return lines


def steps(advance: Advance, current: Current) -> dict[str, Step]:
    """The entry-by-entry steps of /review, given the review flow's helpers."""

    def entry_prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        submission = current(ctx)
        entry = _entry(ctx, current)
        enterprise = ctx.session.get(Enterprise, submission.enterprise_id)
        pending = len(com.pending_entries(ctx.session, submission))
        lines = [
            t(
                "{enterprise} proposes {name} for {title} ({n} entries left to review).",
                enterprise=enterprise.name if enterprise else "?",
                name=entry.full_name or entry.unit_name,
                title=_title(ctx, entry.title_code),
                n=t.number(pending),
            )
        ]
        if entry.position:
            lines.append(entry.position)
        lines += ["", t("Summary of achievements:"), entry.summary]
        if entry.initiative:
            lines.append(t("Initiative: {name}", name=entry.initiative))
        campaign = ctx.session.get(Campaign, submission.campaign_id)
        if campaign is not None:
            for ranked in com.ranking(ctx.session, campaign):
                if ranked.enterprise_id == submission.enterprise_id and ranked.total > 0:
                    lines.append(
                        t(
                            "Scoring: {points} points, rank {rank} in {cluster}.",
                            points=t.number(ranked.total),
                            rank=ranked.rank,
                            cluster=ranked.cluster or "-",
                        )
                    )
        choices = [Choice(ACCEPT, t("Accept")), Choice(RETURN, t("Return with a reason"))]
        if com.lower_forms(entry):
            choices.append(Choice(LOWER, t("Move to a lower form")))
        choices += [Choice(SKIP, t("Skip for now")), Choice(STOP, t("Stop reviewing"))]
        return reply("\n".join(lines), choices)

    def after_verdict(ctx: Ctx, done: str) -> Outcome:
        t = ctx.t
        submission = current(ctx)
        if submission.status == SubmissionStatus.SUBMITTED:
            return Goto("entry", (reply(done),), reset=True)
        settled = "accepted" if submission.status == SubmissionStatus.ACCEPTED else "returned"
        sent = tell_officers(
            ctx.session,
            submission,
            accepted=settled == "accepted",
            now=ctx.now,
            email=ctx.settings.sends_email,
        )
        text = t(
            "The proposal is settled ({state}); {n} officers are told.",
            state=t(com.REVIEW_LABELS[settled]),
            n=t.number(sent),
        )
        return advance(ctx, [reply(done), reply(text)])

    def entry(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        if answer.choice == STOP:
            return Finish((reply(t("Stopped. The remaining items stay waiting for review.")),))
        submission = current(ctx)
        if answer.choice == SKIP:
            ctx.data["skipped"] = [*ctx.data.get("skipped", []), submission.id]
            return advance(ctx, [])
        if answer.choice == RETURN:
            return Goto("entry_reason")
        if answer.choice == LOWER:
            return Goto("lower")
        if answer.choice != ACCEPT:
            raise Invalid(t("Please choose one of the options."))
        chosen = _entry(ctx, current)
        com.review_entry(ctx.session, chosen.id or 0, "accept", ctx.act)
        return after_verdict(ctx, t("Accepted: {name}.", name=chosen.full_name or chosen.unit_name))

    def reason_prompt(ctx: Ctx) -> Reply:
        return reply(ctx.t("Type the reason for returning this entry: the officer reads it."))

    def reason(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        text = answer.text.strip()
        if not text or text.startswith("/"):
            raise Invalid(t("Please type the reason; the officer reads it."))
        chosen = _entry(ctx, current)
        com.review_entry(
            ctx.session,
            chosen.id or 0,
            "return",
            ctx.act,
            note=text,
        )
        return after_verdict(ctx, t("Returned: {name}.", name=chosen.full_name or chosen.unit_name))

    def lower_prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        chosen = _entry(ctx, current)
        return reply(
            t("Move to which lower form?"),
            [Choice(f"{TO}{code}", _title(ctx, code)) for code in com.lower_forms(chosen)],
        )

    def lower(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        code = (answer.choice or "").removeprefix(TO)
        chosen = _entry(ctx, current)
        if code not in com.lower_forms(chosen):
            raise Invalid(t("Please choose one of the forms."))
        com.review_entry(
            ctx.session,
            chosen.id or 0,
            "lower",
            ctx.act,
            lower_to=code,
        )
        return after_verdict(
            ctx,
            t(
                "{name}: moved to {title}.",
                name=chosen.full_name or chosen.unit_name,
                title=_title(ctx, code),
            ),
        )

    return {
        "entry": Step(entry_prompt, entry),
        "entry_reason": Step(reason_prompt, reason, numbered=False),
        "lower": Step(lower_prompt, lower),
    }
