"""/closing: the board office closes the year in the chat.

- ranking: the bot fills the points it knows (items on time, figures against targets) and
  shows the ranking per cluster with the Cờ thi đua / Bằng khen shortlist;
- score: the office types the points of a criterion the bot cannot know;
- decision: number, date and signing authority; the accepted entries of that level are
  awarded, their officers told at once, and the decision's annex comes back as Word and Excel;
- documents: "Danh sách đề nghị khen thưởng" and the Tờ trình (Word), the list as Excel;
- years: registered / proposed / awarded per enterprise across the campaigns (Excel).

Board office only (a cluster leader is refused): these are the board's documents.
"""

from __future__ import annotations

from sqlmodel import select

from bot.documents import commendation as documents
from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models.campaign import Campaign
from bot.models.organization import Enterprise
from bot.services import audit
from bot.services import commendations as com
from bot.services.announcements import announce_decision
from bot.services.dates import read_date
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

RANKING = "cl:ranking"
SCORE = "cl:score"
DECISION = "cl:decision"
DOCUMENTS = "cl:documents"
YEARS = "cl:years"
LEVEL = "lvl:"
WORDS = {
    "ranking": RANKING,
    "xephang": RANKING,
    "xếp hạng": RANKING,
    "score": SCORE,
    "diem": SCORE,
    "điểm": SCORE,
    "decision": DECISION,
    "quyetdinh": DECISION,
    "quyết định": DECISION,
    "documents": DOCUMENTS,
    "vanban": DOCUMENTS,
    "văn bản": DOCUMENTS,
    "years": YEARS,
    "quacacnam": YEARS,
}
RANKING_SHOWN = 30


def _campaign(ctx: Ctx) -> Campaign:
    return _staff.current_campaign(ctx, _staff.board_only(ctx))


def _what_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t("Closing the year: what do you need?"),
        [
            Choice(RANKING, t("Scores and ranking per cluster")),
            Choice(SCORE, t("Enter the points of a criterion")),
            Choice(DECISION, t("Record a commendation decision")),
            Choice(DOCUMENTS, t("The list of proposals and the Tờ trình")),
            Choice(YEARS, t("Registered, proposed, awarded over the years")),
        ],
    )


def _what(ctx: Ctx, answer: Answer) -> Outcome:
    choice = answer.choice or WORDS.get(" ".join(answer.text.casefold().split()))
    return _go(ctx, choice)


def _go(ctx: Ctx, choice: str | None) -> Outcome:
    if choice == RANKING:
        return _ranking(ctx)
    if choice == SCORE:
        return Goto("score")
    if choice == DECISION:
        return Goto("level")
    if choice == DOCUMENTS:
        return _documents(ctx)
    if choice == YEARS:
        return _years(ctx)
    raise Invalid(ctx.t("Please choose one of the options."))


# ---- ranking and scores ------------------------------------------------------------------


def _ranking(ctx: Ctx) -> Finish:
    t = ctx.t
    campaign = _campaign(ctx)
    criteria = com.criteria(ctx.session, campaign)
    if not criteria:
        return Finish((reply(t("The plan of this campaign defines no scoring.")),))
    com.fill_known_scores(ctx.session, campaign, ctx.now, ctx.settings.tz)
    lines = [t("Scoring of {campaign}:", campaign=campaign.title)]
    lines += [
        "- "
        + t(
            "{code}: {label} (at most {points})",
            code=c.code,
            label=c.label,
            points=t.number(c.max_points),
        )
        for c in criteria
    ]
    cluster = None
    for ranked in com.ranking(ctx.session, campaign)[:RANKING_SHOWN]:
        if ranked.cluster != cluster:
            cluster = ranked.cluster
            lines += ["", cluster or t("No cluster")]
        mark = " ★" if ranked.shortlisted else ""
        lines.append(f"{ranked.rank}. {ranked.enterprise_name}: {t.number(ranked.total)}{mark}")
    lines += ["", t("★ shortlisted for the Emulation Flag / Certificate of Merit.")]
    return Finish((reply("\n".join(lines)),))


def _score_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    campaign = _campaign(ctx)
    codes = ", ".join(c.code for c in com.criteria(ctx.session, campaign) if c.source == "staff")
    return reply(
        t(
            "Type the tax code, the criterion and the points, e.g. 0100109106 movement 25. "
            "Criteria the office scores: {codes}.",
            codes=codes or "-",
        )
    )


def _score(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    parts = answer.text.split()
    if len(parts) != 3:
        raise Invalid(t("Please type three things: tax code, criterion, points."))
    tax_code, code, points = parts
    campaign = _campaign(ctx)
    enterprise = ctx.session.exec(
        select(Enterprise).where(
            Enterprise.tax_code == tax_code,
            Enterprise.organization_id == campaign.organization_id,
        )
    ).first()
    if enterprise is None or enterprise.id is None:
        raise Invalid(t("No enterprise of the board has the tax code {code}.", code=tax_code))
    score = com.set_staff_score(
        ctx.session,
        campaign,
        enterprise.id,
        code,
        points,
        ctx.act,
    )
    return Finish(
        (
            reply(
                t(
                    "{enterprise}: {points} points for {criterion}.",
                    enterprise=enterprise.name,
                    points=t.number(score.points),
                    criterion=code,
                )
            ),
        )
    )


# ---- decision ----------------------------------------------------------------------


def _level_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    campaign = _campaign(ctx)
    choices = []
    for authority in com.AUTHORITIES:
        waiting = len(com.awaiting_decision(ctx.session, campaign, authority))
        if waiting:
            label = t(
                "{authority} ({n} entries)",
                authority=com.authority_label(t, authority),
                n=t.number(waiting),
            )
            choices.append(Choice(f"{LEVEL}{authority}", label))
    if not choices:
        return reply(t("No accepted entry awaits a decision. /review the proposals first."))
    return reply(t("Who signed the decision?"), choices)


def _level(ctx: Ctx, answer: Answer) -> Outcome:
    choice = answer.choice or ""
    if not choice.startswith(LEVEL) or choice.removeprefix(LEVEL) not in com.AUTHORITIES:
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["authority"] = choice.removeprefix(LEVEL)
    return Goto("number")


def _number_prompt(ctx: Ctx) -> Reply:
    return reply(ctx.t("Type the decision's number, for example 125/QĐ-BQL."))


def _number(ctx: Ctx, answer: Answer) -> Outcome:
    text = answer.text.strip()
    if not text or text.startswith("/"):
        raise Invalid(ctx.t("Please type the decision's number, for example 125/QĐ-BQL."))
    ctx.data["number"] = text
    return Goto("date")


def _date_prompt(ctx: Ctx) -> Reply:
    return reply(ctx.t("Type the decision's date (dd/mm/yyyy)."))


def _date(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    signed_on = read_date(answer.text, f"20/12/{ctx.now.year}")
    if not isinstance(ctx.data.get("number"), str) or ctx.data.get("authority") not in (
        com.AUTHORITIES
    ):
        return Goto("level", reset=True)
    campaign = _campaign(ctx)
    decision, rows = com.record_decision(
        ctx.session,
        campaign,
        str(ctx.data["number"]),
        signed_on,
        str(ctx.data["authority"]),
        ctx.act,
    )
    queued = announce_decision(ctx.session, decision, rows, ctx.act, email=ctx.settings.sends_email)
    word = _staff.staff_file(ctx, "documents", f"phu-luc-{campaign.year}", ".docx")
    documents.decision_annex(ctx.session, decision).save(str(word))
    sheet = _staff.staff_file(ctx, "documents", f"phu-luc-{campaign.year}", ".xlsx")
    documents.decision_annex_xlsx(ctx.session, decision, sheet, ctx.now, ctx.settings.tz)
    enterprises = len({r.enterprise.id for r in rows})
    return Finish(
        (
            reply(
                t(
                    "Decision {number} recorded: {n} entries of {m} enterprises; {q} notices "
                    "to their officers are on their way.",
                    number=decision.number,
                    n=t.number(len(rows)),
                    m=t.number(enterprises),
                    q=t.number(queued),
                )
            ),
            Reply(t("The decision's annex (Word)"), document=word),
            Reply(t("The decision's annex (Excel)"), document=sheet),
        )
    )


# ---- documents ---------------------------------------------------------------------


def _documents(ctx: Ctx) -> Finish:
    t = ctx.t
    campaign = _campaign(ctx)
    today = ctx.today
    listing = _staff.staff_file(ctx, "documents", f"danh-sach-de-nghi-{campaign.year}", ".docx")
    documents.proposal_list(ctx.session, campaign, today).save(str(listing))
    letter = _staff.staff_file(ctx, "documents", f"to-trinh-{campaign.year}", ".docx")
    documents.submission_letter(ctx.session, campaign, today).save(str(letter))
    sheet = _staff.staff_file(ctx, "documents", f"danh-sach-de-nghi-{campaign.year}", ".xlsx")
    rows = documents.proposal_list_xlsx(ctx.session, campaign, sheet, ctx.now, ctx.settings.tz)
    audit.record(
        ctx.session,
        "documents.closing",
        ctx.act,
        subject=f"campaign:{campaign.id}",
        after={"files": [listing.name, letter.name, sheet.name], "rows": rows},
    )
    return Finish(
        (
            reply(t("{n} entries accepted by the board so far.", n=t.number(rows))),
            Reply(t("List of proposals (Word)"), document=listing),
            Reply(t("Tờ trình to the province (Word)"), document=letter),
            Reply(t("List of proposals (Excel)"), document=sheet),
        )
    )


def _years(ctx: Ctx) -> Finish:
    t = ctx.t
    campaign = _campaign(ctx)
    path = _staff.staff_file(ctx, "documents", "qua-cac-nam", ".xlsx")
    rows = documents.year_over_year_xlsx(ctx.session, campaign, path, ctx.now, ctx.settings.tz)
    return Finish((Reply(t("Over the years: {n} enterprises.", n=t.number(rows)), document=path),))


def _begin(ctx: Ctx, args: str) -> Outcome:
    found = _staff.board_only(ctx)
    args = _staff.take_campaign(ctx, found, args)
    words = " ".join(args.casefold().split())
    if not words:
        return Goto("what")
    return _go(ctx, WORDS.get(words))


FLOW = Flow(
    command="closing",
    summary=N_("close the year: scores, decisions, documents"),
    steps={
        "what": Step(_what_prompt, _what),
        "score": Step(_score_prompt, _score, numbered=False),
        "level": Step(_level_prompt, _level),
        "number": Step(_number_prompt, _number, numbered=False),
        "date": Step(_date_prompt, _date, numbered=False),
    },
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
