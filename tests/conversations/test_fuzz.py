"""Hypothesis throws arbitrary text (and stray buttons) at every step of every flow.

Whatever arrives, no exception escapes, the user always gets at least one reply, the
reply is never the "something went wrong" apology (that would be a bug), every choice key
fits Telegram's 64 bytes of callback data, and texts fit Telegram's 4096 characters.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select

from bot.models import (
    Attachment,
    Contact,
    ConversationState,
    LaunchDocument,
    Receipt,
    RegistrationEntry,
    Role,
    Submission,
    YearEndReport,
)
from bot.services import submissions as subs
from bot.services.acts import Act
from conversations.registry import default_registry
from tests.conversations.conftest import JANUARY, Chat, build_world
from tests.values import present

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller

STEPS = sorted((flow.command, step) for flow in default_registry() for step in flow.steps)
OFFICER_FLOWS = {flow.command for flow in default_registry() if Role.OFFICER in flow.roles}
OFFICER_STEPS = [(flow, step) for flow, step in STEPS if flow in OFFICER_FLOWS]
SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "1",
        "2",
        "0",
        "99",
        "-1",
        "=",
        "-",
        "/back",
        "/cancel",
        "/help",
        "/start",
        "/language",
        "/register",
        "/report",
        "/launch",
        "/status",
        "/nope",
        "yes",
        "không",
        "540.000,5",
        "1,234.5",
        "12/KH-CĐ",
        "31/02/2026",
        "05/01/2026",
        "ABCD-EFGH",
        "x" * 5000,
        "\x00\x1f",
        "🙂" * 30,
        "/start ABCD-EFGH",
        "reg:e:1",
        "1e9999",
        "NaN",
    ]
)
TEXT = st.one_of(SPECIAL, st.text(max_size=300))
CHOICE = st.one_of(
    st.none(),
    st.sampled_from(
        ["reg:e:1", "reg:t:LDTT", "file:done", "lang:en", "item:reopen", "bogus", "x" * 64]
    ),
)


def _check(replies: list) -> None:  # type: ignore[type-arg]
    assert replies, "the user got no answer"
    for r in replies:
        assert "went wrong" not in r.text and "lỗi" not in r.text, r.text
        assert 0 < len(r.text) <= 4096
        for c in r.choices:
            assert len(c.key.encode()) <= 64, c.key


def _place(db: SAEngine, user_id: str, flow: str, step: str, entry_id: int) -> None:
    """Put the contact at `step` of `flow`, with the working data any step may read."""
    with Session(db) as s:
        contact = s.exec(select(Contact).where(Contact.user_id == user_id)).one()
        state = s.get(ConversationState, contact.id)
        if state is not None:
            s.delete(state)
            s.flush()
        s.add(
            ConversationState(
                contact_id=present(contact.id),
                flow=flow,
                step=step,
                data={
                    "entry": entry_id,
                    "full_name": "Nguyễn Văn An",
                    "position": "Kỹ sư",
                    "unit_name": "Phòng Kỹ thuật",
                    "title_code": "CSTD_CS",
                    "number": "1/KH",
                },
                history=["menu"],
                expires_at=JANUARY + timedelta(hours=1),
            )
        )
        s.commit()


def test_every_step_survives_any_text(sqlite_engine: SAEngine, tmp_path: Path) -> None:
    world = build_world(sqlite_engine, tmp_path / "files")
    world.clock.now = JANUARY
    chat = Chat(world.engine(), "fuzz")
    asyncio.run(chat.say(world.codes[0]))
    with world.session() as s:
        sub = subs.get_or_create_submission(
            s,
            world.campaign_id,
            world.enterprise_id,
            "title_registration",
            Act(world.clock.now, TZ),
        )
        entry = subs.add_entry(
            s,
            sub,
            "individual",
            "LDTT",
            act=Act(JANUARY, TZ),
            full_name="Trần Văn Bình",
            position="Thợ máy",
        )
        s.commit()
        entry_id = entry.id or 0

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        where=st.sampled_from(OFFICER_STEPS),
        text=TEXT,
        choice=CHOICE,
        language=st.sampled_from(["vi", "en"]),
    )
    def run(where: tuple[str, str], text: str, choice: str | None, language: str) -> None:
        with world.session() as s:
            contact = s.exec(select(Contact).where(Contact.user_id == "fuzz")).one()
            contact.language = language
            officer = where[0] in OFFICER_FLOWS
            # each flow is fuzzed as the role it is for: staff flows as the board's staff
            contact.role = Role.OFFICER if officer else Role.STAFF
            contact.enterprise_id = world.enterprise_id if officer else None
            contact.organization_id = world.org_id
            s.add(contact)
            s.commit()
        _place(world.db, "fuzz", where[0], where[1], entry_id)
        if choice is not None:
            replies = asyncio.run(chat.engine.handle(chat._incoming(choice=choice)))
        else:
            replies = asyncio.run(chat.engine.handle(chat._incoming(text=text)))
        _check(replies)

    run()


COMMANDS = sorted(flow.command for flow in default_registry())
ACTION = st.one_of(st.integers(min_value=0, max_value=30), TEXT)


def test_random_walks_through_every_flow(sqlite_engine: SAEngine, tmp_path: Path) -> None:
    """From the command on, each answer is either one of the choices offered (by index) or
    arbitrary text: every flow, staff ones included, as the role it is for."""
    world = build_world(sqlite_engine, tmp_path / "files")
    world.clock.now = JANUARY
    chat = Chat(world.engine(), "walker")
    asyncio.run(chat.say(world.codes[0]))
    flows = {flow.command: flow for flow in default_registry()}

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        command=st.sampled_from(COMMANDS),
        actions=st.lists(ACTION, max_size=8),
        language=st.sampled_from(["vi", "en"]),
    )
    def run(command: str, actions: list[int | str], language: str) -> None:
        officer = Role.OFFICER in flows[command].roles
        with world.session() as s:
            contact = s.exec(select(Contact).where(Contact.user_id == "walker")).one()
            contact.language = language
            contact.role = Role.OFFICER if officer else Role.STAFF
            contact.enterprise_id = world.enterprise_id if officer else None
            contact.organization_id = world.org_id
            s.add(contact)
            s.commit()
        replies = asyncio.run(chat.engine.handle(chat._incoming(text=f"/{command}")))
        _check(replies)
        for action in actions:
            offered = [c.key for r in replies for c in r.choices]
            if isinstance(action, int) and offered:
                incoming = chat._incoming(choice=offered[action % len(offered)])
            else:
                incoming = chat._incoming(text=str(action))
            replies = asyncio.run(chat.engine.handle(incoming))
            _check(replies)

    run()


def test_unknown_contacts_survive_any_text(sqlite_engine: SAEngine, tmp_path: Path) -> None:
    world = build_world(sqlite_engine, tmp_path / "files")
    counter = iter(range(10**6))

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(text=TEXT)
    def run(text: str) -> None:
        chat = Chat(world.engine(), f"stranger-{next(counter)}")
        _check(asyncio.run(chat.engine.handle(chat._incoming(text=text))))

    run()


def _fingerprint(db: SAEngine) -> tuple:  # type: ignore[type-arg]
    with Session(db) as s:
        return (
            sorted(
                (e.id, e.full_name, e.position, e.title_code, e.has_initiative)
                for e in s.exec(select(RegistrationEntry))
            ),
            sorted(
                (r.id, sorted(r.figures.items()), r.narrative)
                for r in s.exec(select(YearEndReport))
            ),
            sorted(
                (d.id, d.document_number, d.document_date) for d in s.exec(select(LaunchDocument))
            ),
            sorted(a.id for a in s.exec(select(Attachment))),
            sorted(r.id for r in s.exec(select(Receipt))),
            sorted((x.id, x.status, x.version) for x in s.exec(select(Submission))),
        )


def test_an_invalid_answer_at_every_step_changes_nothing(
    sqlite_engine: SAEngine, tmp_path: Path
) -> None:
    world = build_world(sqlite_engine, tmp_path / "files")
    world.clock.now = JANUARY
    chat = Chat(world.engine(), "careless")
    asyncio.run(chat.say(world.codes[0]))
    with world.session() as s:
        for kind in (
            "title_registration",
            "year_end_report",
            "launch_document",
            "commendation_proposal",
        ):
            subs.get_or_create_submission(
                s, world.campaign_id, world.enterprise_id, kind, Act(world.clock.now, TZ)
            )
        sub = subs.get_or_create_submission(
            s,
            world.campaign_id,
            world.enterprise_id,
            "title_registration",
            Act(world.clock.now, TZ),
        )
        entry = subs.add_entry(
            s,
            sub,
            "individual",
            "LDTT",
            act=Act(JANUARY, TZ),
            full_name="Trần Văn Bình",
            position="Thợ máy",
        )
        s.commit()
        entry_id = entry.id or 0
    for flow, step in OFFICER_STEPS:
        _place(world.db, "careless", flow, step, entry_id)
        before = _fingerprint(world.db)
        replies = asyncio.run(chat.engine.handle(chat._incoming(text="???")))
        _check(replies)
        assert _fingerprint(world.db) == before, (flow, step)
        with world.session() as s:
            contact = s.exec(select(Contact).where(Contact.user_id == "careless")).one()
            state = s.get(ConversationState, contact.id)
            assert state is not None and (state.flow, state.step) == (flow, step), (flow, step)
