"""/export: the campaign's lists as Excel files sent in the chat.

Registrations (one row per nominee), the report summary (every figure a number cell, totals
as the board adds them up) or the enterprises still missing an item. Headers are in the staff
member's language; the file is written under files_dir/exports and the export service records
who took which list out. A cluster leader's files hold his cluster only.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import DeadlineKind
from bot.services import submissions as subs
from bot.services.exports import export_missing, export_registrations, export_reports
from bot.services.items import kind_label
from conversations.flow import (
    STAFF_ROLES,
    Answer,
    Ctx,
    Finish,
    Flow,
    Goto,
    Invalid,
    Outcome,
    Step,
    reply,
)
from conversations.flows import _staff

REGISTRATIONS = "exp:registrations"
REPORTS = "exp:reports"
SIX_MONTH = "exp:six_month"
MISSING = "exp:missing"
WORDS = {
    "registrations": REGISTRATIONS,
    "registration": REGISTRATIONS,
    "dangky": REGISTRATIONS,
    "đăng ký": REGISTRATIONS,
    "reports": REPORTS,
    "report": REPORTS,
    "baocao": REPORTS,
    "báo cáo": REPORTS,
    "six_month": SIX_MONTH,
    "sokết": SIX_MONTH,
    "soket": SIX_MONTH,
    "sơ kết": SIX_MONTH,
    "missing": MISSING,
    "chưa nộp": MISSING,
    "chuanop": MISSING,
}


def _what_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [
        Choice(REGISTRATIONS, t("Title registrations")),
        Choice(REPORTS, t("Year-end reports with every figure")),
        Choice(MISSING, t("Enterprises that have not submitted an item")),
    ]
    campaign = _staff.current_campaign(ctx, _staff.scope(ctx))
    if campaign.id is not None and subs.deadline_for(
        ctx.session, campaign.id, DeadlineKind.SIX_MONTH_REPORT
    ):
        choices.insert(2, Choice(SIX_MONTH, t("Six-month reports with every figure")))
    return reply(t("Which list?"), choices)


def _what(ctx: Ctx, answer: Answer) -> Outcome:
    choice = answer.choice or WORDS.get(" ".join(answer.text.casefold().split()))
    if choice == MISSING:
        return Goto("kind")
    if choice in (REGISTRATIONS, REPORTS, SIX_MONTH):
        return export(ctx, choice)
    raise Invalid(ctx.t("Please choose one of the lists."))


def _kind_prompt(ctx: Ctx) -> Reply:
    campaign = _staff.current_campaign(ctx, _staff.scope(ctx))
    return reply(ctx.t("Missing which item?"), _staff.kind_choices(ctx, campaign))


def _kind(ctx: Ctx, answer: Answer) -> Outcome:
    campaign = _staff.current_campaign(ctx, _staff.scope(ctx))
    kind = _staff.chosen_kind(ctx, campaign, answer.choice, answer.text)
    return export(ctx, MISSING, kind)


def export(ctx: Ctx, what: str, kind: DeadlineKind | None = None) -> Finish:
    """Write the chosen list and answer with the file."""
    t = ctx.t
    found = _staff.scope(ctx)
    campaign = _staff.current_campaign(ctx, found)
    assert campaign.id is not None
    part = "board" if found.whole_board else f"cluster{found.cluster_id}"
    if what == REGISTRATIONS:
        path = _staff.staff_file(ctx, "exports", f"dang-ky-{campaign.year}-{part}", ".xlsx")
        rows = export_registrations(
            ctx.session,
            campaign.id,
            found,
            path,
            t.language,
            act=ctx.act,
        )
        title = t("Title registrations")
    elif what in (REPORTS, SIX_MONTH):
        report = DeadlineKind.YEAR_END_REPORT if what == REPORTS else DeadlineKind.SIX_MONTH_REPORT
        stem = "bao-cao" if what == REPORTS else "so-ket-6-thang"
        path = _staff.staff_file(ctx, "exports", f"{stem}-{campaign.year}-{part}", ".xlsx")
        rows = export_reports(
            ctx.session,
            campaign.id,
            found,
            path,
            report,
            t.language,
            act=ctx.act,
        )
        title = t("Year-end reports") if what == REPORTS else t("Six-month reports")
    else:
        assert kind is not None
        path = _staff.staff_file(ctx, "exports", f"chua-nop-{kind}-{campaign.year}-{part}", ".xlsx")
        rows = export_missing(
            ctx.session,
            campaign.id,
            kind,
            found,
            path,
            t.language,
            act=ctx.act,
        )
        title = t("Not submitted: {item}", item=kind_label(t, kind))
    return Finish(
        (
            Reply(
                t("{title}: {n} rows.", title=title, n=t.number(rows)),
                document=path,
            ),
        )
    )


def _begin(ctx: Ctx, args: str) -> Outcome:
    found = _staff.scope(ctx)
    args = _staff.take_campaign(ctx, found, args)
    campaign = _staff.current_campaign(ctx, found)
    words = args.casefold().split()
    if not words:
        return Goto("what")
    choice = WORDS.get(words[0])
    if choice is None:
        raise Invalid(ctx.t("Send /export and choose a list: registrations, reports or missing."))
    if choice != MISSING:
        return export(ctx, choice)
    if len(words) > 1:
        return export(ctx, MISSING, _staff.chosen_kind(ctx, campaign, None, " ".join(words[1:])))
    return Goto("kind")


FLOW = Flow(
    command="export",
    summary=N_("Excel lists: registrations, reports, missing"),
    steps={"what": Step(_what_prompt, _what), "kind": Step(_kind_prompt, _kind)},
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
