"""`thidua enterprises import|list`, `thidua invite create`, `thidua staff add`.

The board's office prepares the campaign from here: import the enterprise list, issue invite
codes for the officers, name the staff. Output is in the deployment's locale (THIDUA_LOCALE,
Vietnamese by default); errors are one line and a non-zero exit. The services audit every
change they make; here those entries are signed with the actor "cli".
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import click
import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli.acting import cli_act
from bot.db import get_engine, session_scope
from bot.documents.invitations import LetterSettings, write_letter, write_merge_sheet
from bot.i18n import N_, Translator
from bot.migrations import ensure_database
from bot.models import Cluster, Organization, utcnow
from bot.services import enterprise_contacts as contact_fields
from bot.services.access import Scope
from bot.services.chat_links import BotNames
from bot.services.contacts import ContactError, add_staff
from bot.services.enterprises import ImportFileError, find_enterprise, import_enterprises
from bot.services.enterprises import list_enterprises as list_rows
from bot.services.errors import DomainError
from bot.services.invites import create_invite, format_code
from bot.services.onboarding import Selection, issue_invites, select_enterprises
from bot.services.reach import reach, render_reach_text
from bot.services.taxcode import InvalidTaxCode
from bot.settings import Settings, get_settings

COMMANDS: list[click.Command] = []

# What the services write as the actor when they do not know who asked.

ROLE_LABELS = {
    "admin": N_("an admin"),
    "staff": N_("staff"),
    "cluster-leader": N_("a cluster leader"),
}


def _translator() -> Translator:
    return Translator(get_settings().locale)


def _engine() -> Engine:
    url = get_settings().database_url
    ensure_database(url)
    return get_engine(url)


def _fail(error: DomainError, t: Translator) -> click.ClickException:
    return click.ClickException(error.message(t))


def resolve_organization(session: Session, slug: str | None, t: Translator) -> Organization:
    """The board named by --org, or the only board when there is exactly one."""
    if slug:
        org = session.exec(select(Organization).where(Organization.slug == slug)).first()
        if org is None:
            raise click.ClickException(t("No board with the slug “{slug}”.", slug=slug))
        return org
    boards = list(session.exec(select(Organization).order_by(Organization.slug)))
    if not boards:
        raise click.ClickException(
            t("No board exists yet: create one first with “thidua org create”.")
        )
    if len(boards) > 1:
        raise click.ClickException(
            t(
                "There are several boards; choose one with --org: {slugs}.",
                slugs=", ".join(b.slug for b in boards),
            )
        )
    return boards[0]


@click.group("enterprises")
def enterprises() -> None:
    """The board's enterprises: import the list, show it."""


@enterprises.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--org", "org_slug", metavar="SLUG", help="Board slug (optional with one board).")
@click.option("--dry-run", is_flag=True, help="Check the file and report, but save nothing.")
def import_command(file: Path, org_slug: str | None, dry_run: bool) -> None:
    """Create or update enterprises from FILE (CSV or XLSX).

    Columns: tax code, name, zone, cluster, and optionally the enterprise's e-mail and
    phone and its emulation contact's name, position, e-mail and phone (Vietnamese or
    English headers, any order).
    Exits with 1 if any row was rejected; the valid rows are imported all the same.
    """
    t = _translator()
    with Session(_engine(), expire_on_commit=False) as session:
        org = resolve_organization(session, org_slug, t)
        board = org.name
        try:
            result = import_enterprises(session, org, file, cli_act(utcnow()))
        except ImportFileError as exc:
            session.rollback()
            raise _fail(exc, t) from None
        if dry_run:
            session.rollback()
        else:
            session.commit()
    click.echo(
        t(
            "{board}: {created} created, {updated} updated, {unchanged} unchanged, "
            "{rejected} rejected.",
            board=board,
            **{way: t.number(rows) for way, rows in result.tally().items()},
        )
    )
    for row in result.rejected:
        click.echo(t("line {line}: {reason}", line=row.line, reason=row.reason(t)))
    if dry_run:
        click.echo(t("Dry run: nothing was saved."))
    if result.rejected:
        raise SystemExit(1)


@enterprises.command("list")
@click.option("--org", "org_slug", metavar="SLUG", help="Only this board.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(org_slug: str | None, as_json: bool) -> None:
    """List the enterprises with their zone, cluster and linked officers."""
    t = _translator()
    with session_scope(_engine()) as session:
        org = resolve_organization(session, org_slug, t) if org_slug else None
        rows = list_rows(session, org)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(t("No enterprises yet. Import a list with “thidua enterprises import FILE”."))
        return
    headers = (t("Tax code"), t("Enterprise"), t("Zone"), t("Cluster"), t("Officers"))
    table = [
        (
            r.tax_code,
            r.name if r.active else t("{name} (inactive)", name=r.name),
            r.zone or "-",
            r.cluster or "-",
            t.number(r.officers),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    click.echo(t("{count} enterprises.", count=t.number(len(rows))))


@enterprises.command("contacts")
@click.option("--tax-code", "tax_code", required=True, metavar="MST", help="The enterprise.")
@click.option("--email", help='The enterprise\'s e-mail ("" clears it).')
@click.option("--phone", help="The enterprise's phone.")
@click.option("--contact-name", "contact_name", help="The emulation contact's name.")
@click.option("--contact-position", "contact_position", help="The emulation contact's position.")
@click.option("--contact-email", "contact_email", help="The emulation contact's e-mail.")
@click.option("--contact-phone", "contact_phone", help="The emulation contact's phone.")
def contacts_command(tax_code: str, **values: str | None) -> None:
    """Show or change one enterprise's e-mail, phone and emulation contact.

    Without options, shows them. E-mail addresses and Vietnamese phone numbers are checked
    (phones are stored as +84…); an empty value ("") clears a field.
    """
    t = _translator()
    changes = {name: value for name, value in values.items() if value is not None}
    with session_scope(_engine()) as session:
        try:
            enterprise = find_enterprise(session, tax_code)
        except InvalidTaxCode as exc:
            raise _fail(exc, t) from None
        if enterprise is None:
            raise click.ClickException(
                t("No enterprise has the tax code {code}.", code=tax_code.strip())
            )
        changed = False
        if changes:
            try:
                changed = contact_fields.update_details(
                    session, enterprise, changes, cli_act(utcnow())
                )
            except contact_fields.ContactDetailError as exc:
                raise _fail(exc, t) from None
        lines = contact_fields.detail_lines(t, enterprise)
        title = f"{enterprise.name} ({enterprise.tax_code})"
    click.echo(title)
    for line in lines:
        click.echo(f"  {line}")
    if changes:
        click.echo(t("Saved.") if changed else t("Nothing changed."))


@click.group("invite")
def invite() -> None:
    """Invite codes that link an officer's chat account to an enterprise."""


def bot_names(settings: Settings, t: Translator) -> BotNames:
    """The bot's names for links and letters: TELEGRAM_BOT_USERNAME, else Telegram's getMe."""
    username = settings.telegram_bot_username
    if username is None and settings.telegram_bot_token:
        url = f"{settings.telegram_api_base_url}/bot{settings.telegram_bot_token}/getMe"
        try:
            answer = httpx.get(url, timeout=10).json()
            username = answer.get("result", {}).get("username") if answer.get("ok") else None
        except (httpx.HTTPError, ValueError):
            username = None
    if username is None:
        click.echo(
            t(
                "Warning: the bot's Telegram username is unknown (set TELEGRAM_BOT_USERNAME): "
                "the letters carry no Telegram link or QR code."
            ),
            err=True,
        )
    return BotNames(telegram=username, zalo=settings.zalo_bot_name)


@invite.command("create")
@click.option("--tax-code", "tax_code", metavar="MST", help="One enterprise, by its tax code.")
@click.option("--all", "everyone", is_flag=True, help="Every active enterprise of the board.")
@click.option("--zone", metavar="NAME", help="The enterprises of one industrial zone.")
@click.option("--cluster", metavar="NAME", help="The enterprises of one emulation cluster.")
@click.option(
    "--not-linked", "not_linked", is_flag=True, help="Only those without a chat account yet."
)
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=None,
    help="Days the codes stay valid (default 14 for one, 30 in bulk).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Bulk: folder for the XLSX and the letters (default invites-YYYYMMDD-HHMM).",
)
@click.option("--no-email", "no_email", is_flag=True, help="Bulk: do not e-mail the invitations.")
@click.option("--org", "org_slug", metavar="SLUG", help="Board slug (optional with one board).")
def invite_create(
    tax_code: str | None,
    everyone: bool,
    zone: str | None,
    cluster: str | None,
    not_linked: bool,
    days: int | None,
    out_dir: Path | None,
    no_email: bool,
    org_slug: str | None,
) -> None:
    """Issue invite codes: one enterprise (--tax-code) or many (--all, --zone, --cluster,
    --not-linked, combinable).

    In bulk, each enterprise gets a new code (its earlier unused codes are revoked), the
    invitation is e-mailed to those with an address and no chat account, and the folder gets
    a mail-merge XLSX and one Word letter per enterprise (code, Telegram link, QR code).
    """
    settings = get_settings()
    t = _translator()
    bulk = everyone or zone or cluster or not_linked
    if bool(tax_code) == bool(bulk):
        raise click.UsageError(
            t("Give either --tax-code or --all / --zone / --cluster / --not-linked.")
        )
    if tax_code:
        _invite_one(tax_code, days or 14, t)
        return
    now = utcnow()
    local = now.astimezone(settings.tz)
    folder = out_dir or Path(f"invites-{local:%Y%m%d-%H%M}")
    names = bot_names(settings, t)
    with session_scope(_engine()) as session:
        org = resolve_organization(session, org_slug, t)
        assert org.id is not None
        selection = Selection(zone=zone, cluster=cluster, not_linked=not_linked)
        try:
            chosen = select_enterprises(session, Scope.board(org.id), selection)
        except DomainError as exc:
            raise _fail(exc, t) from None
        if not chosen:
            raise click.ClickException(t("No enterprise matches; no invite code was issued."))
        result = issue_invites(
            session,
            org,
            chosen,
            cli_act(now),
            names,
            ttl=timedelta(days=days or 30),
            language=settings.locale,
            email=not no_email and bool(settings.smtp_host),
        )
    sheet = write_merge_sheet(folder / "moi-lien-ket.xlsx", t, result, names, settings.tz)
    letter = LetterSettings(issued_on=local.date())
    for issued in result.issued:
        write_letter(folder / "thu-moi", t, result, issued, names, letter, settings.tz)
    click.echo(
        t(
            "{count} invite codes issued ({revoked} earlier unused codes revoked); "
            "{emailed} invitations queued by e-mail.",
            count=t.number(len(result.issued)),
            revoked=t.number(result.revoked),
            emailed=t.number(result.emailed),
        )
    )
    click.echo(t("Mail-merge sheet: {path}", path=str(sheet)))
    click.echo(t("Letters (one per enterprise): {path}", path=str(folder / "thu-moi")))


def _invite_one(tax_code: str, days: int, t: Translator) -> None:
    settings = get_settings()
    with session_scope(_engine()) as session:
        try:
            enterprise = find_enterprise(session, tax_code)
        except InvalidTaxCode as exc:
            raise _fail(exc, t) from None
        if enterprise is None:
            raise click.ClickException(
                t("No enterprise has the tax code {code}.", code=tax_code.strip())
            )
        if not enterprise.active:
            raise click.ClickException(
                t("{name} is marked inactive; no invite code was issued.", name=enterprise.name)
            )
        code = create_invite(session, enterprise, cli_act(utcnow()), ttl=timedelta(days=days))
    click.echo(
        t(
            "Invite code for {name} ({tax_code}): {code}",
            name=enterprise.name,
            tax_code=enterprise.tax_code,
            code=format_code(code.code),
        )
    )
    click.echo(
        t(
            "Valid until {time} (one use). The officer sends it to the bot on Telegram or Zalo.",
            time=t.datetime(code.expires_at.astimezone(settings.tz)),
        )
    )


@click.group("staff")
def staff() -> None:
    """The board's office: admins, staff and cluster leaders."""


@staff.command("add")
@click.option(
    "--channel",
    required=True,
    type=click.Choice(["telegram", "zalo", "console"], case_sensitive=False),
)
@click.option("--user-id", "user_id", required=True, help="The user's id on that platform.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "staff", "cluster-leader"], case_sensitive=False),
)
@click.option("--cluster", "cluster_name", metavar="NAME", help="The leader's cluster.")
@click.option("--org", "org_slug", metavar="SLUG", help="Board slug (optional with one board).")
def staff_add(
    channel: str, user_id: str, role: str, cluster_name: str | None, org_slug: str | None
) -> None:
    """Give a platform user a staff role (the user may not have written to the bot yet)."""
    t = _translator()
    with session_scope(_engine()) as session:
        org = resolve_organization(session, org_slug, t)
        try:
            contact = add_staff(
                session, channel, user_id, role, org, cli_act(utcnow()), cluster_name
            )
        except ContactError as exc:
            raise _fail(exc, t) from None
        leads = session.get(Cluster, contact.cluster_id) if contact.cluster_id else None
        cluster = leads.name if leads is not None else None
    click.echo(
        t(
            "{channel} user {user_id} is now {role} of {board}.",
            channel=str(contact.channel),
            user_id=contact.user_id,
            role=t(ROLE_LABELS[role.lower()]),
            board=org.name,
        )
    )
    if cluster is not None:
        click.echo(t("Cluster: {cluster}.", cluster=cluster))


@click.command("reach")
@click.option("--org", "org_slug", metavar="SLUG", help="Board slug (optional with one board).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def reach_command(org_slug: str | None, as_json: bool) -> None:
    """Who the bot reaches: linked by chat, by e-mail only, unreachable (per zone and
    cluster), and the list of the unreachable to phone."""
    t = _translator()
    with session_scope(_engine()) as session:
        org = resolve_organization(session, org_slug, t)
        assert org.id is not None
        found = reach(session, Scope.board(org.id), email=get_settings().sends_email)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "total": asdict(found.total),
                    "by_zone": {k: asdict(v) for k, v in found.by_zone.items()},
                    "by_cluster": {k: asdict(v) for k, v in found.by_cluster.items()},
                    "unreachable": [asdict(u) for u in found.unreachable],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(render_reach_text(t, found, limit=None))
    if found.total.total > found.total.linked:
        click.echo(
            t(
                "To re-invite the {count} enterprises not linked yet: "
                "thidua invite create --not-linked",
                count=t.number(found.total.total - found.total.linked),
            )
        )


COMMANDS.extend([enterprises, invite, staff, reach_command])
