"""`thidua run`: start the bot.

With TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN set it serves the chat platforms
(`bot.server.serve`). With --console (or --demo and no token: `make run`) it talks to you on
this terminal as an officer of the demo board (or as its staff with --as-staff), on the
configured database (SQLite by default), prints a fresh invite code to link with, and runs
the outbox so the office's messages reach the console. With no token and neither flag it
stops with one line and status 1: a container without its token must not look healthy.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

import click
from sqlalchemy.engine import make_url

from bot.i18n import Translator
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.channels.console import ConsoleChannel, ConsoleSender


def _console(settings: Settings, as_staff: bool) -> None:
    from bot.channels.console import ConsoleChannel, ConsoleSender
    from bot.db import get_engine, session_scope
    from bot.demo import (
        OFFICER_USER_ID,
        STAFF_USER_ID,
        console_contact,
        other_boards,
        seed_demo,
    )
    from bot.models import utcnow
    from bot.services.items import kind_label
    from conversations.engine import Engine

    # The terminal is the conversation: only errors are logged there.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    t = Translator(settings.locale)
    db = get_engine(settings.database_url)
    now = utcnow()
    with session_scope(db) as session:
        others = other_boards(session)
        if others:
            raise click.ClickException(
                t(
                    "This database already holds the boards {boards}: the console demo runs only "
                    "on an empty database or its own demo data. Point THIDUA_DATABASE_URL at "
                    "another file, or set TELEGRAM_BOT_TOKEN / ZALO_BOT_TOKEN to serve the chats.",
                    boards=", ".join(others),
                )
            )
        demo = seed_demo(session, now, now.astimezone(settings.tz).date())
        contact = console_contact(session, demo.organization, as_staff, now)
        linked_to = contact.enterprise_id
    click.echo(
        t(
            "Thi đua Bot on the console, database {url}.",
            url=db.url.render_as_string(hide_password=True),
        )
    )
    click.echo(
        t(
            "Demo board: {board}; campaign: {campaign}.",
            board=demo.organization.name,
            campaign=demo.campaign.title,
        )
    )
    for kind, old, new in demo.moved:
        click.echo(
            t(
                "Demo only: the deadline of {item} ({old}) has passed, so it was moved to "
                "{new} for you to try.",
                item=kind_label(t, kind).lower(),
                old=t.date(old),
                new=t.date(new),
            )
        )
    click.echo(
        t(
            "Invite code for {enterprise}: {code}",
            enterprise=demo.enterprise.name,
            code=demo.invite_code,
        )
    )
    if as_staff:
        click.echo(t("You are the board's staff. Type /help."))
    elif linked_to is None:
        click.echo(
            t("Type /start, then the invite code. /file PATH sends a file. End with Ctrl-D.")
        )
    else:
        click.echo(
            t("You are already linked. Type /help. /file PATH sends a file. End with Ctrl-D.")
        )
    click.echo("")
    user_id = STAFF_USER_ID if as_staff else OFFICER_USER_ID
    channel = ConsoleChannel(Engine(db, settings), user_id=user_id, display_name="Console")
    sender = ConsoleSender(heading=t("[New message from Thi đua Bot]"))
    asyncio.run(_console_with_outbox(settings, channel, sender, user_id))


async def _console_with_outbox(
    settings: Settings, channel: ConsoleChannel, sender: ConsoleSender, user_id: str
) -> None:
    """The console and, beside it, the scheduler: what the outbox holds for the person at
    this terminal (a return reason, an approval, a broadcast, a reminder) is printed here
    when it is due; messages for the other console user wait for their own console."""
    from bot.models import Channel
    from scheduler import service

    handle = service.start(
        settings, {Channel.CONSOLE: sender}, only_chats={Channel.CONSOLE: (user_id,)}
    )
    try:
        await channel.run()
        await asyncio.sleep(0.5)  # let a notice the last answer queued go out
    finally:
        await handle.stop()


@click.command("run")
@click.option("--console", "console", is_flag=True, help="Talk to the bot on this terminal.")
@click.option("--as-staff", is_flag=True, help="On the console, act as the board's staff.")
@click.option(
    "--demo",
    is_flag=True,
    help="With no chat token set, run the console demo instead of stopping (make run).",
)
def run(console: bool, as_staff: bool, demo: bool) -> None:
    """Start the bot on the configured chat channels (or the console with --console)."""
    from bot.migrations import ensure_database

    settings = get_settings()
    try:
        ensure_database(settings.database_url)
    except Exception as exc:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        t = Translator(settings.locale)
        raise click.ClickException(
            t("Database error ({database}): {reason}", database=url, reason=reason)
        ) from exc
    configured = bool(settings.telegram_bot_token or settings.zalo_bot_token)
    if not (console or as_staff or demo or configured):
        # A production start (the image's `thidua run`) with no channel must not look
        # healthy while serving nobody: one line and a non-zero status.
        t = Translator(settings.locale)
        raise click.ClickException(
            t(
                "No chat channel is configured: set TELEGRAM_BOT_TOKEN or ZALO_BOT_TOKEN, "
                "or run `thidua run --console` to try the bot on this terminal."
            )
        )
    if console or as_staff or not configured:
        try:
            _console(settings, as_staff)
        except KeyboardInterrupt:
            sys.exit(0)
        return
    from bot.server import serve

    asyncio.run(serve(settings))


COMMANDS: list[click.Command] = [run]
