"""`serve()` with SMTP settings registers the e-mail Sender for the outbox, its footer naming
the bot's Telegram username learnt from getMe; a message handed to it arrives at a real SMTP
server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import sys
import types

import pytest

from bot.channels.email import EmailSender
from bot.messaging import Reply
from bot.models.enums import Channel
from bot.server import ServeError, check_settings, serve
from bot.settings import load_settings
from tests.channels.test_web import FakeScheduler, _until
from tests.fakes.smtp_server import smtp_server


@pytest.fixture
def fake_scheduler(monkeypatch: pytest.MonkeyPatch) -> FakeScheduler:
    scheduler = FakeScheduler()
    module = types.ModuleType("scheduler.service")
    module.start = scheduler.start  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "scheduler.service", module)
    return scheduler


async def test_serve_wires_email(fake_telegram, handler, fake_scheduler, sqlite_url, sqlite_engine):  # type: ignore[no-untyped-def]
    with smtp_server() as (mailbox, port):
        settings = load_settings(
            database_url=sqlite_url,
            telegram_bot_token=fake_telegram.token,
            telegram_api_base_url=fake_telegram.base_url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            smtp_from="thidua@bql.vn",
            smtp_from_name="BQL các KCN tỉnh Bắc Giang",
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, stop=stop, handler=handler))
        try:
            await _until(lambda: fake_scheduler.senders != {} or task.done())
            sender = fake_scheduler.senders[Channel.EMAIL]
            assert isinstance(sender, EmailSender)
            assert settings.telegram_bot_username == "thidua_test_bot"  # from getMe
            await sender.send("hoa@congty.vn", Reply("Thông báo của Ban"))
            (mail,) = mailbox.to("hoa@congty.vn")
            assert "@thidua_test_bot" in mail.body("plain")
            assert mail.message["From"].addresses[0].display_name == "BQL các KCN tỉnh Bắc Giang"
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)


def test_smtp_host_needs_a_sender_address() -> None:
    settings = load_settings(telegram_bot_token="1:x", smtp_host="smtp.bql.vn")
    with pytest.raises(ServeError, match="SMTP_FROM"):
        check_settings(settings)


def test_onboarding_settings_are_checked() -> None:
    from bot.settings import SettingsError

    assert load_settings(telegram_bot_username="@ThiDuaBacGiangBot").telegram_bot_username == (
        "ThiDuaBacGiangBot"
    )
    with pytest.raises(SettingsError, match=r"^TELEGRAM_BOT_USERNAME: "):
        load_settings(telegram_bot_username="thi dua bot")
    with pytest.raises(SettingsError, match=r"^SMTP_FROM: not a valid e-mail address"):
        load_settings(smtp_from="thidua@")
    with pytest.raises(SettingsError, match=r"^SMTP_SECURITY: "):
        load_settings(smtp_security="tls")
