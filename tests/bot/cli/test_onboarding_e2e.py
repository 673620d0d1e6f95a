"""Onboarding a zone end to end, on SQLite and PostgreSQL.

A board imports its enterprise list with contacts (`thidua enterprises import`), issues every
invite in one command (`thidua invite create --all`), gets the mail-merge sheet and one letter
per enterprise; the outbox e-mails the invitation to every enterprise with an address and no
chat account (a real SMTP server on 127.0.0.1 receives them); an officer links by the deep
link (`/start CODE`, what https://t.me/<bot>?start=CODE sends); from then on that enterprise
gets the board's broadcast in the chat, the others by e-mail.

ONBOARDING_N sets the number of enterprises (40 by default; the 500 case was measured once,
see the commit message and README).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select

from bot.channels.email import EmailSender, Letterhead, SmtpConfig
from bot.cli import cli
from bot.i18n import Translator
from bot.models import Channel, Contact, Enterprise, Organization, utcnow
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.broadcasts import Audience, create_broadcast
from bot.services.calendar import is_working_day
from bot.services.chat_links import BotNames, email_footer
from bot.services.reach import EMAIL_ONLY, LINKED, UNREACHABLE, reach
from bot.settings import get_settings, load_settings
from conversations.engine import Engine
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from tests.conversations.conftest import Chat
from tests.fakes.registry import write_registry
from tests.fakes.smtp_server import Mailbox, smtp_server
from tests.scheduler.fakes import FakeSender
from tests.sheets import active
from tests.values import present

N = int(os.environ.get("ONBOARDING_N", "40"))
BOT = "ThiDuaBacGiangBot"
LINK = re.compile(rf"https://t\.me/{BOT}\?start=([A-Z0-9]{{8}})")


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def env(database: str, monkeypatch: pytest.MonkeyPatch, engine: SAEngine) -> Iterator[None]:
    for name, value in {
        "THIDUA_LOCALE": "vi",
        "TELEGRAM_BOT_USERNAME": BOT,
        "ZALO_BOT_NAME": "Thi đua KCN Bắc Giang",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_FROM": "thidua@bqlkcn.bacgiang.gov.vn",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with Session(engine) as session:
        session.add(
            Organization(slug="bg", name="Ban Quản lý các KCN tỉnh Bắc Giang", province="Bắc Giang")
        )
        session.commit()
    yield
    get_settings.cache_clear()


def run(*args: str) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(cli, list(args))


def _next_sending_time() -> datetime:
    """10:00 local on the next working day from now (the outbox sends only in office hours)."""
    tz = get_settings().tz
    day = utcnow().astimezone(tz).date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, dtime(10, 0), tzinfo=tz)


async def _drain(engine: SAEngine, port: int, chat: FakeSender, clock: FakeClock) -> None:
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False), email_rate_per_second=1000
    )
    config = SmtpConfig(
        host="127.0.0.1", port=port, security="none", from_address="thidua@bqlkcn.bacgiang.gov.vn"
    )
    board = "Ban Quản lý các KCN tỉnh Bắc Giang"
    footer = email_footer(Translator("vi"), board, BotNames(BOT, "Thi đua KCN Bắc Giang"))
    dispatcher = Dispatcher(
        engine,
        {Channel.EMAIL: EmailSender(config, lambda _a: Letterhead(board, footer)),
         Channel.TELEGRAM: chat},
        clock,
        settings,
        "e2e",
        config=SchedulerConfig.from_settings(settings, per_chat_interval_seconds=0),
        max_batch=500,
    )  # fmt: skip
    for _ in range(1000):
        if await dispatcher.run_once() == 0:
            return
    raise AssertionError("the outbox did not drain")


async def test_a_zone_onboards_in_one_afternoon(
    engine: SAEngine, env: None, server: tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox, port = server
    timings: dict[str, float] = {}

    started = time.perf_counter()
    imported = run("enterprises", "import", str(write_registry(tmp_path / "dn.xlsx", N)))
    timings["import"] = time.perf_counter() - started
    assert imported.exit_code == 0, imported.output
    with_mail = N - N // 5  # every fifth enterprise of the list has no e-mail address

    started = time.perf_counter()
    issued = run("invite", "create", "--all", "--out", str(tmp_path / "moi"))
    timings["invite"] = time.perf_counter() - started
    assert issued.exit_code == 0, issued.output
    assert f"Đã cấp {N} mã mời" in issued.output.replace(".", "")
    rows = list(
        active(load_workbook(tmp_path / "moi" / "moi-lien-ket.xlsx")).iter_rows(values_only=True)
    )
    assert len(rows) == N + 1
    assert len(list((tmp_path / "moi" / "thu-moi").glob("*.docx"))) == N

    clock = FakeClock(_next_sending_time())
    chat = FakeSender()
    started = time.perf_counter()
    await _drain(engine, port, chat, clock)
    timings["e-mail"] = time.perf_counter() - started
    assert len(mailbox.received) == with_mail
    with Session(engine) as s:
        addresses = {
            present(c.enterprise_id): c.chat_id
            for c in s.exec(select(Contact).where(Contact.channel == Channel.EMAIL))
        }
        names = {present(e.id): e.name for e in s.exec(select(Enterprise))}
    assert len(addresses) == with_mail
    # Every e-mail goes to its enterprise's address and carries that enterprise's code.
    codes_by_name = {r[1]: str(r[9]).replace("-", "") for r in rows[1:]}
    for enterprise_id, address in addresses.items():
        (mail,) = mailbox.to(address)
        assert names[enterprise_id] in str(mail.message["Subject"])
        (code,) = set(LINK.findall(mail.body("plain")))
        assert code == codes_by_name[names[enterprise_id]]
        assert f'href="https://t.me/{BOT}?start={code}"' in mail.body("html")

    # An officer of the first enterprise with an address opens the link: /start CODE.
    first_id = min(addresses)
    code = codes_by_name[names[first_id]]
    officer = Chat(Engine(engine, get_settings(), clock=clock.now), "officer-1", Channel.TELEGRAM)
    out = await officer.say(f"/start {code}")
    assert names[first_id] in out

    with Session(engine) as s:
        org = s.exec(select(Organization)).one()
        assert org.id is not None
        found = reach(s, Scope.board(org.id), email=True)
        assert found.states[first_id] == LINKED
        assert sum(1 for v in found.states.values() if v == EMAIL_ONLY) == with_mail - 1
        assert sum(1 for v in found.states.values() if v == UNREACHABLE) == N // 5
        create_broadcast(
            s,
            org.id,
            "Thông báo: Hội nghị tổng kết phong trào thi đua ngày 20/12",
            Audience.everyone(),
            Scope.board(org.id),
            act=Act(clock.now(), UTC),
            email=True,
        )
        s.commit()

    before = len(mailbox.received)
    await _drain(engine, port, chat, clock)
    broadcast_mail = mailbox.received[before:]
    assert len(broadcast_mail) == with_mail - 1
    assert addresses[first_id] not in {a for m in broadcast_mail for a in m.rcpt_tos}
    assert [chat_id for chat_id, _ in chat.sent] == ["officer-1"]
    assert chat.sent[0][1].startswith("Thông báo: Hội nghị tổng kết")
    print(
        f"\nonboarding {N} enterprises: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    )
