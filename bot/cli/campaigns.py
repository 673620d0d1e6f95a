"""`thidua templates`, `thidua calendar`, `thidua org` and `thidua campaign`.

Output is for the board's office, in the configured locale (Vietnamese by default); every
domain error becomes one line and a non-zero exit. Every verb that changes data writes an
audit entry (actor "cli") in the same transaction as the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import click
from sqlmodel import Session

from bot.db import get_engine, session_scope
from bot.i18n import N_, Translator
from bot.migrations import ensure_database
from bot.models import Campaign
from bot.services import audit
from bot.services import campaigns as campaign_service
from bot.services import organizations as organization_service
from bot.services.campaigns import CampaignPlan, anniversary_label, localized, plan_campaign
from bot.services.errors import DomainError
from bot.services.items import kind_label
from bot.services.templates import Template, TemplateKind, list_templates, load_template
from bot.settings import get_settings

COMMANDS: list[click.Command] = []

ACTOR = "cli"  # the audit log's "who" for changes made on the server's command line


def _translator() -> Translator:
    return Translator(get_settings().locale)


def _fail(t: Translator, error: DomainError) -> click.ClickException:
    return click.ClickException(error.message(t))


@contextmanager
def _session(t: Translator) -> Iterator[Session]:
    """A session on the configured database (created or upgraded first); errors -> one line."""
    url = get_settings().database_url
    ensure_database(url)
    try:
        with session_scope(get_engine(url)) as session:
            yield session
    except DomainError as exc:
        raise _fail(t, exc) from None


def _template(t: Translator, slug: str) -> Template:
    try:
        return load_template(slug)
    except DomainError as exc:
        raise _fail(t, exc) from None


def _period(t: Translator, template: Template) -> str:
    if template.kind is TemplateKind.ANNUAL:
        return t("every year")
    if template.first_year == template.last_year:
        return t("special campaign, {year}", year=template.first_year)
    return t("{first}–{last}", first=template.first_year, last=template.last_year)


# ---- thidua templates ---------------------------------------------------------------


@click.group("templates")
def templates_group() -> None:
    """Campaign templates (one per plan)."""


@templates_group.command("list")
def templates_list() -> None:
    """List the campaign templates shipped with the bot."""
    t = _translator()
    for template in list_templates():
        issuer = localized(t, template.issuer, template.issuer_en)
        click.echo(f"{template.slug:<28} {_period(t, template):<24} {issuer} ({template.province})")


COMMANDS.append(templates_group)


# ---- thidua calendar -----------------------------------------------------------------


def calendar_json(plan: CampaignPlan, t: Translator) -> dict[str, Any]:
    """The calendar of a plan as JSON-ready data (ISO dates, names in `t`'s language)."""
    return {
        "template": plan.template.slug,
        "year": plan.year,
        "phases": [
            {
                "name": localized(t, p.name, p.name_en),
                "start": p.starts_on.isoformat(),
                "end": p.ends_on.isoformat(),
            }
            for p in plan.phases
        ],
        "deadlines": [
            {"kind": str(d.kind), "due": d.due.isoformat(), "remind_by": d.remind_by.isoformat()}
            for d in plan.deadlines
        ],
        "observances": [
            {
                "date": o.on.isoformat(),
                "name": localized(t, o.name, o.name_en),
                "years": o.years,
                "phase": o.phase,
            }
            for o in plan.observances
        ],
    }


def calendar_text(plan: CampaignPlan, t: Translator) -> str:
    """The calendar of a plan as a readable table (dates dd/mm/yyyy)."""
    lines = [
        localized(t, plan.title, plan.title_en),
        t("Template: {template} · year {year}", template=plan.template.slug, year=plan.year),
        t("Theme: {theme}", theme=localized(t, plan.theme, plan.theme_en)),
        "",
        t("Phases"),
    ]
    for p in plan.phases:
        review = localized(t, p.review_name, p.review_name_en)
        lines.append(
            f"  {p.number}. {t.date(p.starts_on)} – {t.date(p.ends_on)}  "
            f"{localized(t, p.name, p.name_en)}" + (f" ({review})" if review else "")
        )
    lines += ["", t("Deadlines")]
    if not plan.deadlines:
        lines.append("  " + t("(none in this plan)"))
    for d in plan.deadlines:
        note = (
            t("remind by {date}", date=t.date(d.remind_by))
            if d.remind_by == d.due
            else t("falls on a day off: remind by {date}", date=t.date(d.remind_by))
        )
        lines.append(f"  {t.date(d.due)}  {kind_label(t, d.kind):<28} {note}")
    lines += ["", t("Commemoration days")]
    for o in plan.observances:
        mark = "  ★ " + t("round anniversary") if o.is_round else ""
        lines.append(
            f"  {t.date(o.on)}  "
            + t("phase {number}", number=o.phase)
            + f"  {anniversary_label(t, o)}{mark}"
        )
    return "\n".join(lines)


@click.command("calendar")
@click.option(
    "--template", "template_slug", required=True, help="Template slug, e.g. bac-giang-kcn."
)
@click.option("--year", required=True, type=int, help="The campaign year, e.g. 2024.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with ISO dates.")
def calendar_command(template_slug: str, year: int, as_json: bool) -> None:
    """Show a template's phases, deadlines (with reminder days) and commemoration days."""
    t = _translator()
    try:
        plan = plan_campaign(_template(t, template_slug), year)
    except DomainError as exc:
        raise _fail(t, exc) from None
    if as_json:
        click.echo(json.dumps(calendar_json(plan, t), ensure_ascii=False, indent=2))
    else:
        click.echo(calendar_text(plan, t))


COMMANDS.append(calendar_command)


# ---- thidua org ----------------------------------------------------------------------


@click.group("org")
def org_group() -> None:
    """Boards (organisations) hosted by this deployment."""


@org_group.command("create")
@click.option("--slug", required=True, help="Short name used in commands, e.g. bqlkcn-bac-giang.")
@click.option("--name", required=True, help="Full name of the board.")
@click.option("--province", required=True, help="Province, e.g. Bắc Giang.")
def org_create(slug: str, name: str, province: str) -> None:
    """Register a board."""
    t = _translator()
    with _session(t) as session:
        org = organization_service.create_organization(session, slug, name, province)
        audit.record(
            session,
            "organization.create",
            actor=ACTOR,
            subject=f"organization:{org.id}",
            after={"slug": org.slug, "name": org.name, "province": org.province},
            at=datetime.now(UTC),
        )
        click.echo(
            t(
                "Board {slug} created: {name} ({province}).",
                slug=org.slug,
                name=org.name,
                province=org.province,
            )
        )


@org_group.command("list")
def org_list() -> None:
    """List the boards."""
    t = _translator()
    with _session(t) as session:
        boards = organization_service.list_organizations(session)
        if not boards:
            click.echo(t("No boards yet: create one with `thidua org create`."))
        for org in boards:
            click.echo(f"{org.slug:<24} {org.name} ({org.province})")


COMMANDS.append(org_group)


# ---- thidua campaign -----------------------------------------------------------------


@click.group("campaign")
def campaign_group() -> None:
    """Campaigns of the boards."""


@campaign_group.command("create")
@click.option("--org", "org_slug", required=True, help="The board's short name.")
@click.option("--template", "template_slug", required=True, help="Template slug.")
@click.option("--year", required=True, type=int, help="The campaign year.")
def campaign_create(org_slug: str, template_slug: str, year: int) -> None:
    """Create a board's campaign for a year from a template."""
    t = _translator()
    with _session(t) as session:
        org = organization_service.get_organization(session, org_slug)
        campaign = campaign_service.create_campaign(session, org, template_slug, year)
        phases = campaign_service.campaign_phases(session, campaign)
        deadlines = campaign_service.campaign_deadlines(session, campaign)
        observances = campaign_service.campaign_observances(session, campaign)
        audit.record(
            session,
            "campaign.create",
            actor=ACTOR,
            at=datetime.now(UTC),
            subject=f"campaign:{campaign.id}",
            after={
                "organization": org.slug,
                "template": campaign.template,
                "year": campaign.year,
                "title": campaign.title,
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
                "phases": len(phases),
                "deadlines": {str(d.kind): d.due_on for d in deadlines},
                "observances": len(observances),
            },
        )
        click.echo(
            t(
                "Campaign #{id} created: {title} ({start} – {end}).",
                id=campaign.id,
                title=campaign_service.campaign_title(t, campaign),
                start=t.date(campaign.starts_on),
                end=t.date(campaign.ends_on),
            )
        )
        click.echo(
            t(
                "{phases} phases, {deadlines} deadlines, {observances} commemoration days.",
                phases=len(phases),
                deadlines=len(deadlines),
                observances=len(observances),
            )
        )


RUNNING = N_("running")
FINISHED = N_("finished")
UPCOMING = N_("upcoming")
ARCHIVED = N_("closed (archived)")


def campaign_state(campaign: Campaign, today: date) -> str:
    """Where a campaign stands on `today` (a local date), as an English msgid.

    The dates decide running / finished / upcoming; `active=False` is the board closing a
    campaign early (archived), which the planner and the chat already treat as over.
    """
    if not campaign.active:
        return ARCHIVED
    if today < campaign.starts_on:
        return UPCOMING
    if today > campaign.ends_on:
        return FINISHED
    return RUNNING


def local_today(now: datetime | None = None) -> date:
    """The board's date at `now` (default: the present) in the configured time zone.

    A campaign ends at midnight in Vietnam, not in UTC: at 20:00 UTC on 31/12 the year is
    already over for the board.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("naive datetime given to local_today")
    return now.astimezone(get_settings().tz).date()


@campaign_group.command("list")
@click.option("--org", "org_slug", default=None, help="Only this board's campaigns.")
def campaign_list(org_slug: str | None) -> None:
    """List campaigns, newest year first."""
    t = _translator()
    with _session(t) as session:
        org = organization_service.get_organization(session, org_slug) if org_slug else None
        campaigns = campaign_service.list_campaigns(session, org)
        if not campaigns:
            click.echo(t("No campaigns yet: create one with `thidua campaign create`."))
            return
        slugs = {o.id: o.slug for o in organization_service.list_organizations(session)}
        today = local_today()
        for c in campaigns:
            state = t(campaign_state(c, today))
            click.echo(
                f"#{c.id:<4} {c.year}  {slugs.get(c.organization_id, '?'):<20} "
                f"{c.template:<26} {t.date(c.starts_on)} – {t.date(c.ends_on)}  {state}"
            )


COMMANDS.append(campaign_group)
