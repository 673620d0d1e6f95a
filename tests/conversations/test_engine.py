"""The engine: start and link, global commands, dedupe, state in the database, expiry, errors."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from bot.messaging import Reply
from bot.models import AuditEntry, Contact, ConversationState, LinkAttempt, Role
from conversations.engine import Engine
from conversations.flow import (
    STAFF_ROLES,
    Answer,
    Ctx,
    Finish,
    Flow,
    Goto,
    Invalid,
    Outcome,
    Step,
    Stop,
    reply,
)
from conversations.registry import Registry, discover
from tests.conversations.conftest import Chat, World, linked_chat


def _contact(world: World, user_id: str = "u1") -> Contact:
    with world.session() as s:
        return s.exec(select(Contact).where(Contact.user_id == user_id)).one()


async def test_unknown_contact_is_greeted_and_asked_for_a_code(world: World) -> None:
    chat = Chat(world.engine())
    out = await chat.say("/start")
    assert "Chào mừng" in out and "mã mời" in out
    out = await chat.say("/register")
    assert "mã mời" in out
    assert _contact(world).enterprise_id is None


async def test_link_with_code_then_help_lists_due_dates(world: World) -> None:
    chat = Chat(world.engine(), language_hint="en")
    await chat.say("/start")
    out = await chat.say(world.codes[0].lower().replace("-", " "))
    assert "Công ty Sao Mai" in out and "0100109106" in out
    assert "15/04/2026" in out and "05/12/2026" in out
    assert _contact(world).enterprise_id == world.enterprise_id
    out = await chat.say("/help")
    assert "/register" in out and "/report" in out and "/status" in out


async def test_code_typed_without_start_links_too(world: World) -> None:
    chat = Chat(world.engine())
    out = await chat.say(world.codes[0])
    assert "Sao Mai" in out


async def test_wrong_codes_are_capped_at_five_an_hour(world: World) -> None:
    chat = Chat(world.engine(), language_hint="en")
    await chat.say("/start")
    out = await chat.say("xin chào")
    assert "does not look like an invite code" in out
    for _ in range(5):
        out = await chat.say("WRNG-CDE2")
        assert "not valid" in out
    out = await chat.say(world.codes[0])
    assert "Too many wrong invite codes" in out
    assert "invite code" not in out.replace("Too many wrong invite codes", "")  # no re-ask
    assert _contact(world).enterprise_id is None
    vi = Chat(world.engine(), user_id="u-vi")
    await vi.say("/start")
    for _ in range(6):
        out = await vi.say("WRNG-CDE2")
    assert "Anh/chị đã nhập sai mã mời quá nhiều lần" in out and "bạn" not in out.lower()
    assert out.count("\n") == 0  # one message: the lockout, and no question after it
    with world.session() as s:
        assert s.exec(select(func.count()).select_from(LinkAttempt)).one() == 10  # 5 each
    world.clock.now += timedelta(hours=1, minutes=1)
    out = await chat.say(world.codes[0])
    assert "Sao Mai" in out


async def test_same_update_twice_has_its_effect_once(world: World) -> None:
    chat = Chat(world.engine())
    await chat.say("/start")
    first = await chat.say("WRNG-CDE2", update_key="tg-42")
    again = await chat.say("WRNG-CDE2", update_key="tg-42")
    assert first and again == ""
    assert chat.last == []
    with world.session() as s:
        assert s.exec(select(func.count()).select_from(LinkAttempt)).one() == 1


async def test_language_is_remembered(world: World) -> None:
    chat = await linked_chat(world)
    out = await chat.say("/language")
    assert chat.choice_keys() == ["lang:vi", "lang:en"]
    out = await chat.say("2")
    assert "English" in out
    assert _contact(world).language == "en"
    out = await Chat(world.engine()).say("/help")
    assert "What you can do" in out
    out = await chat.say("/language vi")
    assert "tiếng Việt" in out
    await chat.say("/language klingon")
    assert chat.choice_keys() == ["lang:vi", "lang:en"]
    out = await chat.say("klingon")
    assert "Tiếng Việt" in out and _contact(world).language == "vi"


async def test_unknown_command_and_idle_text(world: World) -> None:
    chat = await linked_chat(world, language="en")
    assert "Unknown command /frobnicate" in await chat.say("/frobnicate")
    assert "did not understand" in await chat.say("hello")
    assert "earlier" in await chat.press("lang:en") or "ended" in chat.text()
    assert "nothing to cancel" in await chat.say("/cancel")
    assert "no question to go back" in await chat.say("/back")


def _demo_registry() -> Registry:
    """The shipped flows plus a two-step one and a staff-only one, to test the machinery."""

    def ask_a(ctx: Ctx) -> Reply:
        return reply("A?", [])

    def ask_b(ctx: Ctx) -> Reply:
        from bot.messaging import Choice

        return reply("B?", [Choice("b:x", "x"), Choice("b:y", "y")])

    def handle_a(ctx: Ctx, answer: Answer) -> Outcome:
        if answer.text != "ok":
            raise Invalid("say ok")
        ctx.data["a"] = answer.text
        return Goto("b")

    def handle_b(ctx: Ctx, answer: Answer) -> Outcome:
        if answer.choice is None:
            raise Invalid("press a button")
        if answer.choice == "b:y":
            raise RuntimeError("boom")
        return Finish((reply(f"done {ctx.data['a']} {answer.choice}"),))

    two = Flow(
        command="two",
        summary="two steps",
        steps={"a": Step(ask_a, handle_a), "b": Step(ask_b, handle_b)},
        begin=lambda ctx, args: Goto("a"),
        needs_enterprise=False,
    )
    staff = Flow(
        command="secret",
        summary="staff only",
        steps={"a": Step(ask_a, handle_a)},
        begin=lambda ctx, args: Goto("a"),
        roles=STAFF_ROLES,
        needs_enterprise=False,
    )
    return Registry([*discover(), two, staff])


async def test_steps_back_invalid_choice_numbers_and_restart(world: World) -> None:
    registry = _demo_registry()
    chat = Chat(Engine(world.db, world.settings, registry=registry, clock=world.clock))
    await chat.say(world.codes[0])
    assert await chat.say("/two") == "A?"
    assert await chat.say("nope") == "say ok\nA?"
    assert (await chat.say("ok")) == "B?"
    assert "say ok" not in await chat.say("/back")
    assert chat.text() == "A?"
    await chat.say("ok")
    assert "press a button" in await chat.say("hello")
    assert "9" not in chat.choice_keys()
    # a new engine instance (a restart, another worker) continues where we were
    chat.engine = Engine(world.db, world.settings, registry=registry, clock=world.clock)
    assert await chat.say("1") == "done ok b:x"
    with world.session() as s:
        assert s.get(ConversationState, _contact(world).id) is None


async def test_a_failing_step_gets_an_apology_and_changes_nothing(world: World) -> None:
    registry = _demo_registry()
    chat = Chat(Engine(world.db, world.settings, registry=registry, clock=world.clock))
    await chat.say(world.codes[0])
    await chat.say("/two")
    await chat.say("ok")
    out = await chat.press("b:y")
    assert "lỗi" in out
    with world.session() as s:
        state = s.get(ConversationState, _contact(world).id)
        assert state is not None and state.step == "b"


async def test_conversation_expires(world: World) -> None:
    registry = _demo_registry()
    chat = Chat(Engine(world.db, world.settings, registry=registry, clock=world.clock))
    await chat.say(world.codes[0])
    await chat.say("/two")
    world.clock.now += timedelta(hours=world.settings.conversation_ttl_hours, seconds=1)
    out = await chat.say("ok")
    assert "hết hạn" in out
    with world.session() as s:
        assert s.get(ConversationState, _contact(world).id) is None


async def test_officer_is_refused_a_staff_command_and_it_is_logged(world: World) -> None:
    registry = _demo_registry()
    chat = Chat(Engine(world.db, world.settings, registry=registry, clock=world.clock))
    await chat.say(world.codes[0])
    out = await chat.say("/secret")
    assert "/secret" in out and "cán bộ" in out
    with world.session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "command.refused")).one()
        assert entry.subject == "/secret"
        assert s.get(ConversationState, _contact(world).id) is None
    # and staff may
    with world.session() as s:
        contact = s.exec(select(Contact).where(Contact.user_id == "u1")).one()
        contact.role = Role.STAFF
        contact.enterprise_id = None
        s.add(contact)
        s.commit()
    assert await chat.say("/secret") == "A?"


async def test_help_in_the_middle_of_a_flow_asks_the_question_again(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    await chat.say("1")
    out = await chat.say("/help")
    assert "What you can do" in out and out.endswith("(for example Nguyễn Văn An)?")
    out = await chat.say("Bùi Thị Lan")
    assert "Position of Bùi Thị Lan" in out


async def test_prune_forgets_old_update_keys_and_expired_states(world: World) -> None:
    from bot.models import ProcessedUpdate

    chat = Chat(world.engine())
    await chat.say("/start", update_key="old-1")
    world.clock.now += timedelta(days=8)
    await chat.say("/start", update_key="new-1")
    world.clock.now += timedelta(days=2)  # the conversation of "new-1" has expired too
    from bot.services.bookkeeping import prune_bookkeeping

    with world.session() as s:
        assert prune_bookkeeping(s, world.clock.now, tz=world.settings.tz) == 2
        s.commit()
    with world.session() as s:
        keys = [u.update_key for u in s.exec(select(ProcessedUpdate))]
        assert keys == ["new-1"]
        assert s.exec(select(func.count()).select_from(ConversationState)).one() == 0


async def test_start_with_a_deep_link_code_links_at_once(world: World) -> None:
    chat = Chat(world.engine(), language_hint="en-US")
    out = await chat.say(f"/start@ThiDuaBot {world.codes[0]}")
    assert "Linked" in out and "Công ty Sao Mai" in out
    assert _contact(world).language == "en"


async def test_a_refused_answer_undoes_what_the_step_wrote_and_counts_once(world: World) -> None:
    """No savepoint around a step: a step that wrote and then refused the answer has the
    whole transaction rolled back and the update handled again, answering the refusal
    without running the step a second time; the update is still claimed exactly once."""
    from bot.services import audit

    runs: list[str] = []

    def ask(ctx: Ctx) -> Reply:
        return reply("Number?", [])

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        runs.append(answer.text)
        audit.record(ctx.session, "demo.wrote", ctx.act)
        ctx.data["seen"] = answer.text
        if answer.text == "stop":
            raise Stop(reply("stopped"))
        if not answer.text.isdecimal():
            raise Invalid("digits, please")
        return Finish((reply(f"got {answer.text}"),))

    flow = Flow(
        command="num",
        summary="a number",
        steps={"n": Step(ask, handle)},
        begin=lambda ctx, args: Goto("n"),
        needs_enterprise=False,
    )
    engine = Engine(
        world.db, world.settings, registry=Registry([*discover(), flow]), clock=world.clock
    )
    chat = Chat(engine)
    await chat.say(world.codes[0])
    await chat.say("/num")
    assert await chat.say("abc", update_key="u-abc") == "digits, please\nNumber?"
    assert runs == ["abc"]  # the second pass answered the refusal without the step
    assert await chat.say("abc", update_key="u-abc") == ""  # claimed once, by the 2nd pass
    with world.session() as s:
        wrote = s.exec(select(func.count()).where(AuditEntry.action == "demo.wrote")).one()
        state = s.get(ConversationState, _contact(world).id)
    assert wrote == 0 and state is not None and state.step == "n"
    assert "seen" not in state.data
    assert await chat.say("42") == "got 42"
    with world.session() as s:
        assert s.exec(select(func.count()).where(AuditEntry.action == "demo.wrote")).one() == 1
    # Stop from the step: the flow ends and what the step wrote is rolled back too
    await chat.say("/num")
    assert await chat.say("stop") == "stopped"
    with world.session() as s:
        assert s.exec(select(func.count()).where(AuditEntry.action == "demo.wrote")).one() == 1
        assert s.get(ConversationState, _contact(world).id) is None


async def test_two_messages_of_one_person_at_once_see_each_others_state(world: World) -> None:
    """Two instances answer two messages of one person at the same moment: the second waits
    for the first (SQLite's write lock; PostgreSQL's advisory lock on the sender taken by the
    claim) and reads the state it committed, so no answer is lost."""
    import asyncio
    import time

    def ask(ctx: Ctx) -> Reply:
        return reply(f"count {ctx.data.get('n', 0)}", [])

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        seen = int(ctx.data.get("n", 0))
        time.sleep(0.3)  # a slow step: the other message arrives meanwhile
        ctx.data["n"] = seen + 1
        return Goto("c")

    flow = Flow(
        command="count",
        summary="count answers",
        steps={"c": Step(ask, handle)},
        begin=lambda ctx, args: Goto("c"),
        needs_enterprise=False,
    )
    registry = Registry([*discover(), flow])
    first = Chat(Engine(world.db, world.settings, registry=registry, clock=world.clock))
    await first.say(world.codes[0])
    assert await first.say("/count") == "count 0"
    second = Chat(
        Engine(world.db, world.settings, registry=registry, clock=world.clock), first.user_id
    )
    await asyncio.gather(first.say("a"), second.say("b"))
    with world.session() as s:
        state = s.get(ConversationState, _contact(world).id)
    assert state is not None and state.data["n"] == 2
