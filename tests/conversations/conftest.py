"""A small world for conversation tests: a board, two enterprises, this year's campaign,
invite codes, and a `Chat` that talks to the engine like a channel would."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session

from bot.messaging import Incoming, IncomingFile, Reply
from bot.models import (
    Campaign,
    Channel,
    Deadline,
    DeadlineKind,
    Enterprise,
    Organization,
)
from bot.services.acts import SYSTEM, Act
from bot.services.invites import create_invite, format_code
from bot.settings import Settings, load_settings
from conversations.engine import Engine

YEAR = 2026
# 10:00 in Hà Nội on 10/03/2026: before the registration and report deadlines, after 31/01.
MARCH = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
JANUARY = datetime(2026, 1, 12, 3, 0, tzinfo=UTC)
MAY = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)


class Clock:
    """A settable clock for the engine."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    db: SAEngine
    settings: Settings
    clock: Clock
    org_id: int
    enterprise_id: int
    other_enterprise_id: int
    campaign_id: int
    codes: list[str] = field(default_factory=list)
    other_code: str = ""

    def engine(self) -> Engine:
        return Engine(self.db, self.settings, clock=self.clock)

    def session(self) -> Session:
        return Session(self.db, expire_on_commit=False)


def world_settings(files_dir: Path) -> Settings:
    """Settings for a world: the engine gets the database itself, files go to `files_dir`."""
    return load_settings(database_url="sqlite:///unused.db", files_dir=files_dir)


def add_board(session: Session) -> Organization:
    """The Bắc Giang industrial-zone board (flushed, so it has an id)."""
    org = Organization(slug="bg", name="BQL các KCN tỉnh Bắc Giang", province="Bắc Giang")
    session.add(org)
    session.flush()
    assert org.id is not None
    return org


def add_campaign(session: Session, org_id: int, **extra: Any) -> Campaign:
    """This year's campaign of the board with its four deadlines (launch document 31/01,
    registration 15/04, year-end report 05/12, commendation proposal 20/12); `extra` sets
    further campaign fields."""
    campaign = Campaign(
        organization_id=org_id,
        template="bac-giang-kcn",
        year=YEAR,
        title=f"Phong trào thi đua năm {YEAR}",
        title_en=f"{YEAR} emulation campaign",
        starts_on=date(YEAR, 1, 1),
        ends_on=date(YEAR, 12, 31),
        **extra,
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    for kind, due in (
        (DeadlineKind.LAUNCH_DOCUMENT, date(YEAR, 1, 31)),
        (DeadlineKind.TITLE_REGISTRATION, date(YEAR, 4, 15)),
        (DeadlineKind.YEAR_END_REPORT, date(YEAR, 12, 5)),
        (DeadlineKind.COMMENDATION_PROPOSAL, date(YEAR, 12, 20)),
    ):
        session.add(Deadline(campaign_id=campaign.id, kind=kind, due_on=due))
    return campaign


def build_world(db: SAEngine, files_dir: Path) -> World:
    settings = world_settings(files_dir)
    with Session(db, expire_on_commit=False) as session:
        org = add_board(session)
        assert org.id is not None
        mine = Enterprise(organization_id=org.id, tax_code="0100109106", name="Công ty Sao Mai")
        other = Enterprise(organization_id=org.id, tax_code="0101243150", name="Công ty Hòa Phát")
        session.add_all([mine, other])
        campaign = add_campaign(session, org.id)
        assert campaign.id is not None
        issued = Act(datetime(2025, 12, 20, tzinfo=UTC), settings.tz, actor=SYSTEM)
        codes = [
            format_code(create_invite(session, mine, issued, timedelta(days=400)).code)
            for _ in range(4)
        ]
        other_code = format_code(create_invite(session, other, issued, timedelta(days=400)).code)
        session.commit()
        assert mine.id is not None and other.id is not None
        return World(
            db=db,
            settings=settings,
            clock=Clock(MARCH),
            org_id=org.id,
            enterprise_id=mine.id,
            other_enterprise_id=other.id,
            campaign_id=campaign.id,
            codes=codes,
            other_code=other_code,
        )


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> World:
    return build_world(engine, tmp_path / "files")


_updates = count(1)


class Chat:
    """One person talking to an engine, as a channel would deliver their messages."""

    def __init__(
        self,
        engine: Engine,
        user_id: str = "u1",
        channel: Channel = Channel.TELEGRAM,
        language_hint: str | None = None,
    ) -> None:
        self.engine = engine
        self.user_id = user_id
        self.channel = channel
        self.language_hint = language_hint
        self.last: list[Reply] = []

    def _incoming(self, **kw: object) -> Incoming:
        return Incoming(
            channel=self.channel,
            user_id=self.user_id,
            chat_id=self.user_id,
            update_key=str(kw.pop("update_key", f"upd-{next(_updates)}")),
            display_name="Nguyễn Văn A",
            language_hint=self.language_hint,
            **kw,  # type: ignore[arg-type]
        )

    async def say(self, text: str, update_key: str | None = None) -> str:
        kw: dict[str, object] = {"text": text}
        if update_key:
            kw["update_key"] = update_key
        self.last = await self.engine.handle(self._incoming(**kw), LocalFetcher())
        return self.text()

    async def press(self, key: str) -> str:
        self.last = await self.engine.handle(self._incoming(choice=key), LocalFetcher())
        return self.text()

    async def send_file(
        self, path: Path, mime: str = "application/pdf", is_photo: bool = False
    ) -> str:
        file = IncomingFile(
            file_id=str(path),
            file_name=path.name,
            mime_type=mime,
            size=path.stat().st_size,
            is_photo=is_photo,
        )
        self.last = await self.engine.handle(self._incoming(file=file), LocalFetcher())
        return self.text()

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def choice_keys(self) -> list[str]:
        return [c.key for r in self.last for c in r.choices]

    def key_for(self, label_part: str) -> str:
        for r in self.last:
            for c in r.choices:
                if label_part.casefold() in c.label.casefold():
                    return c.key
        raise AssertionError(f"no choice like {label_part!r} in {self.last}")


class LocalFetcher:
    async def fetch(self, file: IncomingFile, destination: Path) -> None:
        shutil.copyfile(file.file_id, destination)


async def linked_chat(
    world: World, user_id: str = "u1", language: str = "vi", channel: Channel = Channel.TELEGRAM
) -> Chat:
    """A chat already linked to the world's enterprise, in `language`."""
    chat = Chat(world.engine(), user_id, channel=channel)
    await chat.say("/start")
    out = await chat.say(world.codes.pop())
    assert "Sao Mai" in out, out
    if language != "vi":
        await chat.say(f"/language {language}")
    return chat
