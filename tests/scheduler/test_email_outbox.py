"""E-mail as the channel of last resort, through the same outbox, on SQLite and PostgreSQL.

An enterprise without a chat account gets the launch, broadcasts and deadline reminders at
its e-mail address (a real SMTP server on 127.0.0.1 receives them); an enterprise with a
linked chat account gets them in the chat only; a bounced address is recorded unreachable
and the office sees it in the reach list; once an officer links, e-mail stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.channels.email import EmailSender, Letterhead, SmtpConfig
from bot.i18n import Translator
from bot.models import Channel, Contact, Delivery, DeliveryStatus, Role
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.broadcasts import Audience, create_broadcast
from bot.services.chat_links import BotNames, email_footer
from bot.services.enterprise_contacts import update_details
from bot.services.invites import create_invite, redeem_invite
from bot.services.launch import launch_campaign
from bot.services.reach import EMAIL_ONLY, LINKED, UNREACHABLE, reach
from bot.settings import Settings, get_settings, load_settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from scheduler.planner import plan_day, sending_start_utc
from tests.fakes.smtp_server import Mailbox, smtp_server
from tests.scheduler.factories import add_enterprises, make_board
from tests.scheduler.fakes import FakeSender
from tests.values import present

# Tuesday 01/04/2025, 10:00 in Hà Nội: 14 days before the 15/04 title registration deadline.
NOW = datetime.fromisoformat("2025-04-01T10:00:00+07:00")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board\'s time zone, handed in by the caller


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def fast(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings with e-mail on (SMTP_HOST set: `sends_email`, and the dispatcher's sender)
    and no pacing."""
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_FROM", "td@bql.vn")
    get_settings.cache_clear()
    yield load_settings(database_url=db_url, email_rate_per_second=500)
    get_settings.cache_clear()


def _dispatcher(engine: Engine, settings: Settings, port: int, chat: FakeSender) -> Dispatcher:
    config = SmtpConfig(host="127.0.0.1", port=port, security="none", from_address="td@bql.vn")
    footer = email_footer(Translator("vi"), "BQL", BotNames(telegram="ThiDuaBot"))
    mail = EmailSender(config, lambda _address: Letterhead("BQL các KCN Bắc Giang", footer))
    cfg = SchedulerConfig.from_settings(settings, per_chat_interval_seconds=0)
    return Dispatcher(
        engine,
        {Channel.EMAIL: mail, Channel.TELEGRAM: chat},
        FakeClock(NOW),
        settings,
        "test",
        config=cfg,
    )


async def _drain(dispatcher: Dispatcher) -> None:
    for _ in range(100):
        if await dispatcher.run_once() == 0:
            return
    raise AssertionError("the outbox did not drain")


async def test_email_reaches_only_the_unlinked_and_stops_once_linked(
    engine: Engine, fast: Settings, server: tuple[Mailbox, int]
) -> None:
    mailbox, port = server
    mailbox.refuse.add("sai@congty2.vn")
    with Session(engine, expire_on_commit=False) as s:
        board = make_board(s)
        assert board.org.id is not None
        only_mail, linked, bounced, nothing = (
            add_enterprises(s, board, 1, contacts_each=0)
            + add_enterprises(s, board, 1, contacts_each=1)
            + add_enterprises(s, board, 2, contacts_each=0)
        )
        update_details(s, only_mail, {"contact_email": "hoa@congty0.vn"}, Act(NOW, TZ))
        update_details(s, linked, {"email": "info@congty1.vn"}, Act(NOW, TZ))
        update_details(
            s, bounced, {"email": "sai@congty2.vn", "phone": "0204 3854 123"}, Act(NOW, TZ)
        )
        s.commit()
        scope = Scope.board(board.org.id)
        launch_campaign(s, board.campaign, scope, Act(NOW, TZ), email=fast.sends_email)
        create_broadcast(
            s,
            board.org.id,
            "Thông báo: họp giao ban ngày 05/04",
            Audience.everyone(),
            scope,
            act=Act(NOW, TZ),
            email=fast.sends_email,
        )
        s.commit()
    with Session(engine) as s:
        plan_day(s, date(2025, 4, 1), fast, now=sending_start_utc(date(2025, 4, 1), fast))

    chat = FakeSender()
    await _drain(_dispatcher(engine, fast, port, chat))

    # The unlinked enterprise: launch, broadcast and reminder by e-mail, nothing else.
    subjects = sorted(str(m.message["Subject"]) for m in mailbox.to("hoa@congty0.vn"))
    assert len(subjects) == 3, subjects
    assert any(s.startswith("Thông báo: họp giao ban") for s in subjects)
    assert mailbox.to("info@congty1.vn") == []  # it has a chat account
    assert len(mailbox.received) == 3
    assert len(chat.sent) == 3  # the linked officer: launch, broadcast, reminder in the chat

    with Session(engine) as s:
        bounced_contact = s.exec(select(Contact).where(Contact.chat_id == "sai@congty2.vn")).one()
        assert bounced_contact.reachable is False
        statuses = {
            d.status
            for d in s.exec(select(Delivery).where(Delivery.contact_id == bounced_contact.id)).all()
        }
        assert statuses == {DeliveryStatus.UNREACHABLE}
        found = reach(s, Scope.board(board.org.id), email=fast.sends_email)
        assert found.states == {
            only_mail.id: EMAIL_ONLY,
            linked.id: LINKED,
            bounced.id: UNREACHABLE,
            nothing.id: UNREACHABLE,
        }
        (first, second) = found.unreachable
        assert (first.name, first.bounced, first.phone) == (bounced.name, "sai@congty2.vn",
                                                          "0204 3854 123")  # fmt: skip
        assert second.name == nothing.name and second.bounced == ""

        # The officer of the e-mail-only enterprise links a Telegram account.
        officer = Contact(channel=Channel.TELEGRAM, user_id="hoa", chat_id="hoa")
        s.add(officer)
        s.flush()
        invite = create_invite(s, only_mail, Act(NOW, TZ))
        as_officer = Act(NOW, TZ, officer.id, "telegram:hoa")
        redeem_invite(s, officer, invite.code, as_officer, email=fast.sends_email)
        assert officer.role == Role.OFFICER
        create_broadcast(
            s,
            board.org.id,
            "Thông báo thứ hai",
            Audience.everyone(),
            Scope.board(board.org.id),
            act=Act(NOW, TZ),
            email=fast.sends_email,
        )
        s.commit()
        assert (
            reach(s, Scope.board(board.org.id), email=fast.sends_email).states[
                present(only_mail.id)
            ]
            == LINKED
        )

    # A deployment without SMTP settings (email=False): e-mail is no channel, nothing is
    # queued for an address.
    assert not load_settings(database_url=fast.database_url, smtp_host=None).sends_email
    with Session(engine) as s:
        states = reach(s, Scope.board(board.org.id), email=False).states
        assert (states[present(only_mail.id)], states[present(bounced.id)]) == (
            LINKED,
            UNREACHABLE,
        )
        _, queued = create_broadcast(
            s,
            board.org.id,
            "Không có e-mail",
            Audience.everyone(),
            Scope.board(board.org.id),
            act=Act(NOW, TZ),
            email=False,
        )
        assert queued == 2  # the two chat officers only
        s.rollback()

    before = len(mailbox.received)
    await _drain(_dispatcher(engine, fast, port, chat))
    assert len(mailbox.received) == before  # no more e-mail: the chat carries it
    assert [chat_id for chat_id, text in chat.sent if text.startswith("Thông báo thứ hai")] == [
        chat_id for chat_id, _ in chat.sent[-2:]
    ]
    assert {chat_id for chat_id, _ in chat.sent[-2:]} == {"hoa", linked_chat(engine, linked.id)}


def linked_chat(engine: Engine, enterprise_id: int | None) -> str:
    with Session(engine) as s:
        return s.exec(
            select(Contact.chat_id).where(
                Contact.enterprise_id == enterprise_id, Contact.channel == Channel.TELEGRAM
            )
        ).one()
