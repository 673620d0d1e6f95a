"""/campaign: the board office creates the year's campaign from a plan template and launches it.

Create: choose the template, the year; the preview shows the phases, the deadlines with the
day their last reminder goes out (a deadline on a day off is announced on the working day
before), and the commemoration days with their anniversaries; nothing is written until
"Create". Launch: the launch message goes to every linked officer of the board through the
outbox, once per campaign and officer (launching again only reaches officers linked since).
Edit the plan: the guided edit of `_plan_edit` (name, theme, phases, deadlines, commemoration
days, targets, award targets), each change previewed in words before it applies.
Cluster leaders cannot create, launch or edit: the campaign is the board's.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Campaign, Organization
from bot.services import launch
from bot.services.access import campaign_in_scope
from bot.services.campaigns import (
    CampaignPlan,
    anniversary_label,
    campaign_title,
    create_campaign,
    find_campaign,
    localized,
    merged_observances,
    phase_name,
    plan_campaign,
)
from bot.services.items import kind_label
from bot.services.templates import Template, TemplateKind, list_templates, load_template
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
from conversations.flows import _plan_edit, _staff

NEW = "cmp:new"
LAUNCH = "cmp:launch:"  # + campaign id
TEMPLATE = "cmp:tpl:"  # + slug
YEAR = "cmp:year:"  # + year
CREATE = "cmp:create"
SEND = "cmp:send"
LATER = "cmp:later"
CLOSE = "cmp:close"
PREVIEW_OBSERVANCES = 20


def _organization(ctx: Ctx) -> Organization:
    found = _staff.board_only(ctx)
    organization = ctx.session.get(Organization, found.organization_id)
    assert organization is not None  # the contact's foreign key
    return organization


# ------------------------------------------------------------------------------ menu


def _menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    found = _staff.board_only(ctx)
    campaigns = _staff.board_campaigns(ctx.session, found.organization_id)
    lines = [t("Campaigns of your board:")] if campaigns else [t("Your board has no campaign yet.")]
    choices = [Choice(NEW, t("Create a campaign from a plan template"))]
    for campaign in campaigns[:10]:
        if campaign.launched_at is not None:
            state = t(
                "launched on {date}",
                date=t.date(campaign.launched_at.astimezone(ctx.settings.tz)),
            )
        else:
            state = t("not launched yet")
        lines.append(f"- #{campaign.id} {campaign_title(t, campaign)} ({state})")
        label = (
            t("Launch: {title}", title=campaign_title(t, campaign))
            if campaign.launched_at is None
            else t(
                "Send the launch to officers linked since: {title}",
                title=campaign_title(t, campaign),
            )
        )
        choices.append(Choice(f"{LAUNCH}{campaign.id}", label))
        choices.append(
            Choice(
                f"{_plan_edit.EDIT}{campaign.id}",
                t("Edit the plan: {title}", title=campaign_title(t, campaign)),
            )
        )
    choices.append(Choice(CLOSE, t("Close")))
    return reply("\n".join(lines), choices)


def _menu(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == NEW:
        return Goto("template")
    if answer.choice == CLOSE:
        return Finish((reply(t("Closed. Nothing was changed.")),))
    if answer.choice and answer.choice.startswith(_plan_edit.EDIT):
        return _plan_edit.start(ctx, int(answer.choice[len(_plan_edit.EDIT) :]))
    if answer.choice and answer.choice.startswith(LAUNCH):
        campaign_id = int(answer.choice[len(LAUNCH) :])
        campaign_in_scope(ctx.session, campaign_id, _staff.board_only(ctx))
        ctx.data["campaign_id"] = campaign_id
        return Goto("launch")
    raise Invalid(t("Please choose one of the options."))


# ------------------------------------------------------------------------- creating


def _period(ctx: Ctx, template: Template) -> str:
    t = ctx.t
    if template.kind is TemplateKind.ANNUAL:
        return t("every year")
    if template.first_year == template.last_year:
        return t("special campaign, {year}", year=template.first_year)
    return t("{first}–{last}", first=template.first_year, last=template.last_year)


def _template_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [
        Choice(
            f"{TEMPLATE}{template.slug}",
            f"{localized(t, template.name, template.name_en).replace('{year}', '…')} "
            f"({_period(ctx, template)})",
        )
        for template in list_templates()
    ]
    return reply(t("Which plan is the campaign based on?"), choices)


def _template(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    slug = answer.choice[len(TEMPLATE) :] if answer.choice else answer.text.strip()
    if not slug:
        raise Invalid(t("Please choose one of the plans."))
    template = load_template(slug)  # UnknownTemplate names the known ones
    ctx.data["template"] = template.slug
    return Goto("year")


def _years(ctx: Ctx, template: Template) -> list[int]:
    if template.kind is TemplateKind.ANNUAL:
        return [ctx.today.year, ctx.today.year + 1]
    assert template.first_year is not None and template.last_year is not None
    return [
        y for y in range(template.first_year, template.last_year + 1) if y >= ctx.today.year - 1
    ][:6] or [template.last_year]


def _year_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    template = load_template(str(ctx.data["template"]))
    return reply(
        t("For which year? Choose, or type the year (for example {year}).", year=ctx.today.year),
        [Choice(f"{YEAR}{y}", str(y)) for y in _years(ctx, template)],
    )


def _year(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    raw = answer.choice[len(YEAR) :] if answer.choice else answer.text.strip()
    if not raw.isdigit() or len(raw) != 4:
        raise Invalid(
            t("Please type the year with four digits, for example {year}.", year=ctx.today.year)
        )
    year = int(raw)
    template = load_template(str(ctx.data["template"]))
    plan_campaign(template, year)  # YearOutsidePlan explains the plan's years
    existing = find_campaign(ctx.session, _organization(ctx), template.slug, year)
    if existing is not None:
        raise Invalid(
            t(
                "Your board already has this campaign for {year} (#{id}). Choose another "
                "year, or /campaign to launch it.",
                year=year,
                id=existing.id,
            )
        )
    ctx.data["year"] = year
    return Goto("preview")


def preview_text(ctx: Ctx, plan: CampaignPlan, organization: Organization) -> str:
    """The plan as the staff checks it before creating: phases, deadlines, observances."""
    t = ctx.t
    lines = [
        localized(t, plan.title, plan.title_en),
        t("Theme: {theme}", theme=localized(t, plan.theme, plan.theme_en)),
        t("Period: {start} – {end}", start=t.date(plan.starts_on), end=t.date(plan.ends_on)),
        "",
        t("Phases:"),
    ]
    lines += [
        f"{p.number}. {phase_name(t, p)}: {t.date(p.starts_on)} – {t.date(p.ends_on)}"
        for p in plan.phases
    ]
    lines += ["", t("Deadlines:")]
    if not plan.deadlines:
        lines.append(t("(none in this plan)"))
    for d in plan.deadlines:
        line = f"- {kind_label(t, d.kind)}: {t.date(d.due)}"
        if d.remind_by != d.due:
            line += " · " + t("falls on a day off: remind by {date}", date=t.date(d.remind_by))
        else:
            line += " · " + t("remind by {date}", date=t.date(d.remind_by))
        lines.append(line)
    observances = merged_observances(plan, organization)
    lines += ["", t("Commemoration days:")]
    for o in observances[:PREVIEW_OBSERVANCES]:
        mark = " ★" if o.is_round else ""
        lines.append(f"- {anniversary_label(t, o)}{mark}")
    if len(observances) > PREVIEW_OBSERVANCES:
        lines.append(t("… and {n} more", n=len(observances) - PREVIEW_OBSERVANCES))
    if any(o.is_round for o in observances):
        lines.append(t("★ round anniversary (a multiple of 5 years)"))
    if plan.targets:
        lines += ["", t("Targets: {n} figures from the plan.", n=len(plan.targets))]
    return "\n".join(lines)


def _preview_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    organization = _organization(ctx)
    plan = plan_campaign(str(ctx.data["template"]), int(ctx.data["year"]), organization.province)
    text = preview_text(ctx, plan, _organization(ctx))
    text += "\n\n" + t("Create this campaign?")
    return reply(text, [Choice(CREATE, t("Create")), Choice(CLOSE, t("Cancel"))])


def _preview(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == CLOSE:
        return Finish((reply(t("Cancelled. No campaign was created.")),))
    if answer.choice != CREATE:
        raise Invalid(t("Please choose Create or Cancel."))
    organization = _organization(ctx)
    campaign = create_campaign(
        ctx.session, organization, str(ctx.data["template"]), int(ctx.data["year"])
    )
    _staff.record(
        ctx,
        "campaign.create",
        f"campaign:{campaign.id}",
        {"template": campaign.template, "year": campaign.year, "title": campaign.title},
    )
    ctx.data["campaign_id"] = campaign.id
    return Goto(
        "launch",
        (
            reply(
                t(
                    "Created campaign #{id}: {title}.",
                    id=campaign.id,
                    title=campaign_title(t, campaign),
                )
            ),
        ),
        reset=True,
    )


# ------------------------------------------------------------------------ launching


def _campaign(ctx: Ctx) -> Campaign:
    return campaign_in_scope(ctx.session, int(ctx.data["campaign_id"]), _staff.board_only(ctx))


def _launch_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    campaign = _campaign(ctx)
    found = _staff.board_only(ctx)
    officers = launch.officers_in_scope(
        ctx.session, found, campaign.audience, email=ctx.settings.sends_email
    )
    reachable = sum(1 for c in officers if c.reachable)
    lines = [
        t("The launch message (each officer gets it in his language):"),
        "",
        launch.launch_text(ctx.session, t, campaign),
        "",
        t(
            "It goes to {n} linked officers of the board ({unreachable} cannot be reached), "
            "within the sending hours.",
            n=t.number(reachable),
            unreachable=t.number(len(officers) - reachable),
        ),
    ]
    if campaign.launched_at is not None:
        lines.append(
            t(
                "Already launched on {date}: only officers who have not had it yet get it now.",
                date=t.date(campaign.launched_at.astimezone(ctx.settings.tz)),
            )
        )
    return reply(
        "\n".join(lines),
        [Choice(SEND, t("Launch now")), Choice(LATER, t("Not now"))],
    )


def _launch(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == LATER:
        return Finish((reply(t("Not launched. Send /campaign when you are ready.")),))
    if answer.choice != SEND:
        raise Invalid(t("Please choose Launch now or Not now."))
    campaign = _campaign(ctx)
    queued = launch.launch_campaign(
        ctx.session,
        campaign,
        _staff.board_only(ctx),
        ctx.act,
        email=ctx.settings.sends_email,
    )
    text = t(
        "Launched {title}: {new} messages queued for the officers; they go out within the "
        "sending hours.",
        title=campaign_title(t, campaign),
        new=t.number(queued.new),
    )
    if queued.already:
        text += "\n" + t(
            "{n} officers already had it and get nothing twice.", n=t.number(queued.already)
        )
    if queued.unreachable:
        text += "\n" + t(
            "{n} officers cannot be reached (they blocked the bot); /missing lists them.",
            n=t.number(queued.unreachable),
        )
    return Finish((reply(text),))


def _begin(ctx: Ctx, args: str) -> Outcome:
    _staff.board_only(ctx)
    return Goto("menu")


FLOW = Flow(
    command="campaign",
    summary=N_("create the year's campaign from a plan and launch it"),
    steps={
        "menu": Step(_menu_prompt, _menu),
        "template": Step(_template_prompt, _template),
        "year": Step(_year_prompt, _year, numbered=True),
        "preview": Step(_preview_prompt, _preview),
        "launch": Step(_launch_prompt, _launch),
        **_plan_edit.STEPS,
    },
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
