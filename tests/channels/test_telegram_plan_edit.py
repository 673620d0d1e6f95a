"""/campaign's plan edit on Telegram, through python-telegram-bot's HTTP stack, the fake Bot
API and the real Engine and database (SQLite and PostgreSQL): every step by its buttons
(whose data the fake refuses above Telegram's 64 bytes), the change previewed, applied on
"Có"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, col, select

from bot.channels.telegram import build_application, start_application, stop_application
from bot.models import Campaign, Observance
from bot.services.campaigns import create_campaign
from bot.settings import load_settings
from conversations.engine import Engine
from conversations.flows import _plan_days as days
from conversations.flows import _plan_edit as pe
from conversations.flows import _plan_spec as spec
from tests.conversations.staff_world import StaffWorld, build_staff_world
from tests.fakes.telegram_api import FakeTelegramServer
from tests.values import present

STAFF_CHAT = 9101


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    world = build_staff_world(engine, tmp_path / "files")
    with Session(engine) as session:
        org = world.add_staff_member(session, "telegram", str(STAFF_CHAT))
        create_campaign(session, org, "bac-giang-kcn", 2027)
        session.commit()
    return world


def _title(engine: SAEngine, campaign_id: int) -> str:
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign.title


async def _until(fake: FakeTelegramServer, before: int, words: str) -> str:
    """What the bot sent since `before`, once it contains `words`."""
    await fake.until(lambda s: words in "\n".join(s.texts(STAFF_CHAT)[before:]), timeout=15)
    return "\n".join(fake.texts(STAFF_CHAT)[before:])


def _buttons(fake: FakeTelegramServer) -> dict[str, str]:
    """The buttons of the last message with buttons: label -> callback data."""
    for call in reversed(fake.sent(STAFF_CHAT)):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}
    return {}


async def test_a_commemoration_day_edited_by_buttons(
    fake_telegram: FakeTelegramServer, engine: SAEngine, world: StaffWorld
) -> None:
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        files_dir=world.settings.files_dir,
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
    )
    with Session(engine) as session:
        cid = present(session.exec(select(Campaign.id).where(Campaign.year == 2027)).one())
    app = build_application(settings, Engine(engine, settings))
    await start_application(app, settings)
    try:
        before = len(fake_telegram.sent(STAFF_CHAT))
        fake_telegram.push_text(STAFF_CHAT, "/campaign")
        await _until(fake_telegram, before, "Các phong trào thi đua của Ban")
        buttons = _buttons(fake_telegram)
        assert buttons[f"Sửa kế hoạch: {_title(engine, cid)}"] == f"{pe.EDIT}{cid}", buttons
        steps = [
            (f"{pe.EDIT}{cid}", "Anh/chị muốn sửa gì?"),
            ("pe:days", "ngày kỷ niệm"),
        ]
        for data, words in steps:
            before = len(fake_telegram.sent(STAFF_CHAT))
            fake_telegram.push_callback(STAFF_CHAT, data)
            await _until(fake_telegram, before, words)
        day_button = next(v for k, v in _buttons(fake_telegram).items() if "Đoàn Thanh niên" in k)
        for data, words in [(day_button, "năm thành lập 1931"), (days.PROMPT, "Sẽ thay đổi")]:
            before = len(fake_telegram.sent(STAFF_CHAT))
            fake_telegram.push_callback(STAFF_CHAT, data)
            out = await _until(fake_telegram, before, words)
        assert "không nhắc doanh nghiệp" in out, out
        assert set(_buttons(fake_telegram)) == {"Có", "Không"}
        before = len(fake_telegram.sent(STAFF_CHAT))
        fake_telegram.push_callback(STAFF_CHAT, spec.YES)
        await _until(fake_telegram, before, "Đã thay đổi")
    finally:
        await stop_application(app)
    with Session(engine) as session:
        day = session.exec(
            select(Observance).where(
                Observance.campaign_id == cid,
                col(Observance.name).startswith("Ngày thành lập Đoàn"),
            )
        ).one()
        assert day.prompt is False
