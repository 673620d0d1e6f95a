"""`thidua unit add|list`: the board's own units (phòng, trung tâm…) for a units' campaign.

A plan whose subjects are the board's own units and staff (the Sóc Trăng 2021–2025 plan)
runs for these participants only (bot/services/audience.py). Each unit gets a code starting
with "DV"; its officer links with an invite code (`thidua invite create --tax-code DV-VP`).
"""

from __future__ import annotations

import click

from bot.cli.acting import cli_act
from bot.cli.enterprises import _engine, _fail, _translator, resolve_organization
from bot.db import session_scope
from bot.models import utcnow
from bot.services.board_units import InvalidUnit, add_unit, list_units

COMMANDS: list[click.Command] = []


@click.group("unit")
def unit() -> None:
    """The board's own units, the participants of a plan for the board's units and staff."""


@unit.command("add")
@click.option("--name", required=True, help='The unit\'s name, e.g. "Văn phòng Ban".')
@click.option("--code", metavar="DV-…", help="Its code (default DV<board>-01, -02…).")
@click.option("--org", "org_slug", metavar="SLUG", help="Board slug (optional with one board).")
def unit_add(name: str, code: str | None, org_slug: str | None) -> None:
    """Add one of the board's units (audited)."""
    t = _translator()
    with session_scope(_engine()) as session:
        org = resolve_organization(session, org_slug, t)
        try:
            added = add_unit(session, org, name, cli_act(utcnow()), code=code)
        except InvalidUnit as exc:
            raise _fail(exc, t) from None
        shown = (added.name, added.tax_code)
    click.echo(t("Unit added: {name} (code {code}).", name=shown[0], code=shown[1]))
    click.echo(
        t(
            "Its officer links with an invite code: thidua invite create --tax-code {code}",
            code=shown[1],
        )
    )


@unit.command("list")
@click.option("--org", "org_slug", metavar="SLUG", help="Board slug (optional with one board).")
def unit_list(org_slug: str | None) -> None:
    """The board's units and their codes."""
    t = _translator()
    with session_scope(_engine()) as session:
        org = resolve_organization(session, org_slug, t)
        rows = [(u.tax_code, u.name) for u in list_units(session, org)]
    for code, name in rows:
        click.echo(f"{code}  {name}")
    click.echo(t("{count} units.", count=t.number(len(rows))))


COMMANDS.append(unit)
