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
from pathlib import Path
from typing import Any

import click
from sqlmodel import Session, select

from bot.cli.acting import cli_act
from bot.cli.reminders import parse_day
from bot.db import get_engine, session_scope
from bot.i18n import N_, Translator
from bot.migrations import ensure_database
from bot.models import Campaign, Deadline, Enterprise, LatePolicy
from bot.services import audit, campaign_file, plan_edits
from bot.services import campaigns as campaign_service
from bot.services import organizations as organization_service
from bot.services.campaign_copy import copy_campaign
from bot.services.campaigns import CampaignPlan, anniversary_label, localized, plan_campaign
from bot.services.deadlines import DeadlineChange, late_policy_label
from bot.services.errors import DomainError
from bot.services.extensions import extend_and_notify
from bot.services.items import kind_label, parse_kind
from bot.services.plan_edits import change_and_replan
from bot.services.submissions import deadline_for
from bot.services.templates import Template, TemplateKind, list_templates, load_template
from bot.settings import get_settings

COMMANDS: list[click.Command] = []


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
            cli_act(datetime.now(UTC)),
            subject=f"organization:{org.id}",
            after={"slug": org.slug, "name": org.name, "province": org.province},
        )
        click.echo(
            t(
                "Board {slug} created: {name} ({province}).",
                slug=org.slug,
                name=org.name,
                province=org.province,
            )
        )


@org_group.command("rename")
@click.option("--slug", required=True, help="The board's short name.")
@click.option("--name", default=None, help="The board's new full name.")
@click.option("--province", default=None, help="The new province, e.g. Bắc Ninh.")
def org_rename(slug: str, name: str | None, province: str | None) -> None:
    """Rename a board or its province; campaigns not yet ended follow, and every later
    reminder and notice says the new name."""
    t = _translator()
    if name is None and province is None:
        raise click.UsageError(t("Give --name or --province (or both)."))
    with _session(t) as session:
        org = organization_service.get_organization(session, slug)
        changed = organization_service.rename_organization(
            session,
            org,
            cli_act(datetime.now(UTC)),
            organization_service.Rename(name=name, province=province),
        )
        if not changed:
            click.echo(t("Nothing changed."))
            return
        click.echo(
            t(
                "Board {slug}: {name} ({province}).",
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
            cli_act(datetime.now(UTC)),
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


@campaign_group.command("copy")
@click.option("--from", "source_id", required=True, type=int, help="Last year's campaign (#).")
@click.option("--year", required=True, type=int, help="The new campaign's year.")
def campaign_copy(source_id: int, year: int) -> None:
    """Create next year's campaign from last year's: its deadlines, late policies,
    commemoration days and award targets moved to the new year; its targets carried over as
    not yet confirmed."""
    t = _translator()
    with _session(t) as session:
        source = session.get(Campaign, source_id)
        if source is None:
            raise click.ClickException(t("No campaign #{id}.", id=source_id))
        campaign = copy_campaign(session, source, year, cli_act(datetime.now(UTC)))
        click.echo(
            t(
                "Campaign #{id} created: {title} ({start} – {end}).",
                id=campaign.id,
                title=campaign_service.campaign_title(t, campaign),
                start=t.date(campaign.starts_on),
                end=t.date(campaign.ends_on),
            )
        )
        if campaign.targets:
            click.echo(
                t(
                    "{n} targets copied from {year}, not yet confirmed: export the plan, "
                    "enter the year's targets and import it to confirm them.",
                    n=len(campaign.targets),
                    year=source.year,
                )
            )


@campaign_group.command("export")
@click.option("--campaign", "campaign_id", required=True, type=int, help="Campaign number (#).")
@click.option("--output", "output", default=None, help="Write to this file (default: print).")
def campaign_export(campaign_id: int, output: str | None) -> None:
    """Write a campaign's whole plan (name, theme, phases, deadlines, commemoration days,
    targets, award targets) to a TOML file the office edits and imports back."""
    t = _translator()
    with _session(t) as session:
        campaign = _campaign(t, session, campaign_id)
        text = campaign_file.export_text(session, campaign, t)
    if output is None:
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    click.echo(t("Wrote the plan of campaign #{id} to {path}.", id=campaign_id, path=output))


@campaign_group.command("import")
@click.option("--campaign", "campaign_id", required=True, type=int, help="Campaign number (#).")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.argument("path", type=click.Path(dir_okay=False))
def campaign_import(campaign_id: int, dry_run: bool, path: str) -> None:
    """Apply an edited plan file to a campaign (checked first: every error is named by line
    and field, and nothing changes while any is left). --dry-run shows the changes only."""
    t = _translator()
    now = datetime.now(UTC)  # the CLI's one reading of the clock
    today = local_today(now)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(t("Cannot read {path}: {error}", path=path, error=exc)) from None
    with _session(t) as session:
        campaign = _campaign(t, session, campaign_id)
        try:
            spec = campaign_file.read(session, campaign, text, today)
        except campaign_file.CampaignFileInvalid as exc:
            lines = [t("Nothing was changed; the file has {n} errors:", n=len(exc.errors))]
            lines += [e.message(t) for e in exc.errors]
            raise click.ClickException("\n".join(lines)) from None
        if dry_run:
            changes = plan_edits.preview(session, campaign, spec, today)
        else:
            changes = plan_edits.apply(
                session, campaign, spec, cli_act(now), email=get_settings().sends_email
            )
    # Told once committed: a reader that stops early (| head) does not undo the import.
    if not changes:
        click.echo(t("Nothing changed."))
        return
    click.echo(
        t("What the file would change (nothing is applied with --dry-run):")
        if dry_run
        else t("Changed:")
    )
    for change in changes:
        click.echo(f"- {change.text(t)}")


def _campaign(t: Translator, session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(t("No campaign #{id}.", id=campaign_id))
    return campaign


@campaign_group.command("extend")
@click.option("--campaign", "campaign_id", required=True, type=int, help="Campaign number (#).")
@click.option("--item", "kind", required=True, help="The item, e.g. title_registration.")
@click.option("--tax-code", required=True, help="The enterprise's tax code.")
@click.option("--until", "until_text", required=True, help="The new last day, dd/mm/yyyy.")
def campaign_extend(campaign_id: int, kind: str, tax_code: str, until_text: str) -> None:
    """Let one enterprise send a locked item until a later date; its officers are told."""
    t = _translator()
    until = parse_day(t, until_text)
    now = datetime.now(UTC)
    with _session(t) as session:
        deadline = _deadline(t, session, campaign_id, kind)
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        enterprise = session.exec(
            select(Enterprise).where(
                Enterprise.organization_id == campaign.organization_id,
                Enterprise.tax_code == tax_code.strip().upper(),
            )
        ).first()
        if enterprise is None or enterprise.id is None:
            raise click.ClickException(
                t("No enterprise of the board has the tax code {code}.", code=tax_code)
            )
        _, sent = extend_and_notify(
            session, deadline, enterprise.id, until, cli_act(now), email=get_settings().sends_email
        )
        click.echo(
            t(
                "Extended {item} for {enterprise} until {date}; {n} officers are told now, and "
                "their reminders follow the new date.",
                item=kind_label(t, deadline.kind).lower(),
                enterprise=enterprise.name,
                date=t.date(until),
                n=t.number(sent),
            )
        )


@campaign_group.command("deadline")
@click.option("--campaign", "campaign_id", required=True, type=int, help="Campaign number (#).")
@click.option("--item", "kind", required=True, help="The item, e.g. six_month_report.")
@click.option("--due", "due_text", default=None, help="The new due date, dd/mm/yyyy.")
@click.option(
    "--late",
    "late_policy",
    default=None,
    type=click.Choice([p.value for p in LatePolicy]),
    help="lock: closed after the due date; accept_late: still accepted, marked late.",
)
def campaign_deadline(
    campaign_id: int, kind: str, due_text: str | None, late_policy: str | None
) -> None:
    """Change a deadline of a campaign: its date (officers are told once, queued reminders of
    the old date are cancelled) or its late policy."""
    t = _translator()
    if due_text is None and late_policy is None:
        raise click.UsageError(t("Give --due or --late (or both)."))
    due_on = parse_day(t, due_text) if due_text is not None else None
    now = datetime.now(UTC)
    with _session(t) as session:
        deadline = _deadline(t, session, campaign_id, kind)
        result = change_and_replan(
            session,
            deadline,
            cli_act(now),
            DeadlineChange(due_on, late_policy),
            email=get_settings().sends_email,
        )
        if not result.changed:
            click.echo(t("Nothing changed."))
            return
        click.echo(
            t(
                "{item}: due {date}, {policy}.",
                item=kind_label(t, deadline.kind),
                date=t.date(deadline.due_on),
                policy=late_policy_label(t, deadline.late_policy),
            )
        )
        if "due_on" in result.changed:
            click.echo(
                t(
                    "{told} officers are told the new date; {cancelled} reminders queued for "
                    "the old date were cancelled.",
                    told=t.number(result.told),
                    cancelled=t.number(result.cancelled),
                )
            )


def _deadline(t: Translator, session: Session, campaign_id: int, kind: str) -> Deadline:
    campaign = _campaign(t, session, campaign_id)
    deadline = deadline_for(session, campaign_id, parse_kind(kind))
    if deadline is None:
        raise click.ClickException(
            t(
                "The campaign {campaign} does not ask for this item.",
                campaign=campaign_service.campaign_title(t, campaign),
            )
        )
    return deadline


COMMANDS.append(campaign_group)
