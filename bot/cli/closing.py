"""`thidua closing`: the board office closes the year on the server's command line.

    thidua closing proposals --campaign 3            the entries and their verdicts
    thidua closing review ENTRY accept|return|lower [--note …] [--to CODE]
    thidua closing scores --campaign 3               fill what the bot knows, print the ranking
    thidua closing score --campaign 3 TAX CRITERION POINTS
    thidua closing decision --campaign 3 --number 125/QĐ-BQL --date 21/12/2026 --authority board
    thidua closing documents --campaign 3 --out DIR  list, Tờ trình, annexes, year over year

The same services as the chat's /review and /closing, audited with the actor "cli"; a decision
tells the officers at once through the outbox, as in the chat.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlmodel import Session, select

from bot.cli.acting import cli_act
from bot.cli.staff import _session, _translator, parse_day
from bot.documents import commendation as documents
from bot.i18n import N_, Translator
from bot.models import Campaign, Enterprise
from bot.models.commendation import Decision
from bot.models.types import utcnow
from bot.services import commendations as com
from bot.services.announcements import announce_decision
from bot.services.errors import NotFound
from bot.services.titles import TitleRef
from bot.settings import get_settings

COMMANDS: list[click.Command] = []


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("There is no campaign number {id}."), id=campaign_id)
    return campaign


def _title(t: Translator, code: str) -> str:
    return TitleRef(code).localize(t.language)


@click.group("closing")
def closing() -> None:
    """Close the year: proposals, review, scores, decisions, documents."""


@closing.command("proposals")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
def proposals(campaign_id: int) -> None:
    """List the submitted proposals' entries with their verdicts and decisions."""
    t = _translator()
    with _session(t) as session:
        campaign = _campaign(session, campaign_id)
        for row in com.proposal_rows(session, campaign):
            verdict = t(com.REVIEW_LABELS.get(row.entry.review, row.entry.review))
            line = f"{row.entry.id}\t{row.enterprise.name}\t{row.name}\t"
            line += f"{_title(t, row.entry.title_code)}\t{verdict}"
            if row.entry.awarded_code and row.entry.awarded_code != row.entry.title_code:
                line += f" → {_title(t, row.entry.awarded_code)}"
            if row.decision is not None:
                line += f"\t{row.decision.number}"
            click.echo(line)


@closing.command("review")
@click.argument("entry_id", type=int)
@click.argument("verdict", type=click.Choice(("accept", "return", "lower")))
@click.option("--note", default="", help="The reason (needed to return).")
@click.option("--to", "lower_to", default=None, help="The lower form's code (to lower).")
def review(entry_id: int, verdict: str, note: str, lower_to: str | None) -> None:
    """Accept, return (with --note) or lower (with --to CODE) one proposal entry."""
    t = _translator()
    with _session(t) as session:
        entry = com.review_entry(
            session, entry_id, verdict, cli_act(utcnow()), note=note, lower_to=lower_to
        )
        state = t(com.REVIEW_LABELS[entry.review])
    click.echo(t("Entry {id}: {state}.", id=entry_id, state=state))


@closing.command("scores")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
def scores(campaign_id: int) -> None:
    """Fill the points the bot knows and print the ranking per cluster (★ shortlisted)."""
    t = _translator()
    with _session(t) as session:
        campaign = _campaign(session, campaign_id)
        com.fill_known_scores(session, campaign, utcnow(), get_settings().tz)
        codes = [c.code for c in com.criteria(session, campaign)]
        click.echo("\t".join([t("Cluster"), "#", t("Enterprise"), *codes, t("Total")]))
        for ranked in com.ranking(session, campaign):
            points = [t.number(ranked.points.get(code, 0)) for code in codes]
            mark = " ★" if ranked.shortlisted else ""
            click.echo(
                "\t".join(
                    [
                        ranked.cluster,
                        str(ranked.rank),
                        ranked.enterprise_name,
                        *points,
                        t.number(ranked.total) + mark,
                    ]
                )
            )


@closing.command("score")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.argument("tax_code")
@click.argument("criterion")
@click.argument("points")
def score(campaign_id: int, tax_code: str, criterion: str, points: str) -> None:
    """Set the office's points of one enterprise on one criterion."""
    t = _translator()
    with _session(t) as session:
        campaign = _campaign(session, campaign_id)
        enterprise = session.exec(
            select(Enterprise).where(
                Enterprise.tax_code == tax_code,
                Enterprise.organization_id == campaign.organization_id,
            )
        ).first()
        if enterprise is None or enterprise.id is None:
            raise NotFound(N_("No enterprise of the board has the tax code {code}."), code=tax_code)
        result = com.set_staff_score(
            session, campaign, enterprise.id, criterion, points, cli_act(utcnow())
        )
        click.echo(
            t(
                "{enterprise}: {points} points for {criterion}.",
                enterprise=enterprise.name,
                points=t.number(result.points),
                criterion=criterion,
            )
        )


@closing.command("decision")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option("--number", required=True, help="The decision's number, e.g. 125/QĐ-BQL.")
@click.option("--date", "signed", required=True, help="The decision's date (dd/mm/yyyy).")
@click.option(
    "--authority",
    required=True,
    help="Who signed: board (Trưởng ban), province (Chủ tịch UBND tỉnh), government.",
)
@click.option("--signer", default="", help="The signer's name.")
@click.option("--entry", "entries", type=int, multiple=True, help="Only these entries.")
def decision(
    campaign_id: int,
    number: str,
    signed: str,
    authority: str,
    signer: str,
    entries: tuple[int, ...],
) -> None:
    """Record a decision; its entries' officers are told at once through the outbox."""
    t = _translator()
    now = utcnow()
    with _session(t) as session:
        campaign = _campaign(session, campaign_id)
        recorded, rows = com.record_decision(
            session,
            campaign,
            number,
            parse_day(t, signed),
            authority,
            cli_act(now),
            signer_name=signer,
            entry_ids=list(entries) or None,
        )
        queued = announce_decision(
            session, recorded, rows, cli_act(now), email=get_settings().sends_email
        )
        click.echo(
            t(
                "Decision {number} recorded: {n} entries of {m} enterprises; {q} notices "
                "to their officers are on their way.",
                number=recorded.number,
                n=t.number(len(rows)),
                m=t.number(len({r.enterprise.id for r in rows})),
                q=t.number(queued),
            )
        )


@closing.command("documents")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder to write the files to.",
)
@click.option("--signer", default="", help="The signer's name on the Tờ trình and the list.")
@click.option("--position", default="Trưởng ban", help="The signer's position.")
@click.option("--authority", default="", help='The signing authority, e.g. "KT. Trưởng ban".')
@click.option("--number", default=None, help="The Tờ trình's number in the register.")
def write_documents(
    campaign_id: int,
    out: Path,
    signer: str,
    position: str,
    authority: str,
    number: str | None,
) -> None:
    """Write the list of proposals, the Tờ trình, each decision's annex (Word and Excel) and
    the year-over-year table."""
    t = _translator()
    now = utcnow()
    tz = get_settings().tz
    signing = documents.Signing(position=position, name=signer, authority=authority, number=number)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _session(t) as session:
        campaign = _campaign(session, campaign_id)
        today = now.astimezone(tz).date()
        year = campaign.year
        path = out / f"danh-sach-de-nghi-{year}.docx"
        documents.proposal_list(session, campaign, today, signing).save(str(path))
        written.append(path)
        path = out / f"danh-sach-de-nghi-{year}.xlsx"
        documents.proposal_list_xlsx(session, campaign, path, now, tz)
        written.append(path)
        path = out / f"to-trinh-{year}.docx"
        documents.submission_letter(session, campaign, today, signing).save(str(path))
        written.append(path)
        for recorded in session.exec(
            select(Decision).where(Decision.campaign_id == campaign.id)
        ).all():
            stem = "phu-luc-" + "".join(c if c.isalnum() else "-" for c in recorded.number)
            path = out / f"{stem}.docx"
            documents.decision_annex(session, recorded).save(str(path))
            written.append(path)
            path = out / f"{stem}.xlsx"
            documents.decision_annex_xlsx(session, recorded, path, now, tz)
            written.append(path)
        path = out / "qua-cac-nam.xlsx"
        documents.year_over_year_xlsx(session, campaign, path, now, tz)
        written.append(path)
    for path in written:
        click.echo(t("Wrote {path}.", path=path))


COMMANDS.append(closing)
