"""The conversation engine: the one entry point every channel calls.

`Engine.handle(incoming, files)` turns one user action into the replies to send:

1. The update is claimed in the ProcessedUpdate table (unique per channel and update key)
   in the same transaction as its effect, so a redelivered update does nothing and gets no
   reply, even when two instances receive it at once.
2. The contact is found or created, and its row is locked for the rest of the transaction
   (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers anyway), so two messages
   of one person handled by two instances are applied one after the other.
3. The conversation state is loaded from the database (dropped if it expired).
4. Global commands work anywhere: /start, /help, /cancel, /back, /language; other commands
   start their flow if the contact's role allows it; anything else answers the current step.
5. The step runs inside a SAVEPOINT: when it raises `Invalid` or a service's domain error,
   whatever it wrote is rolled back, the user is told what is expected and asked again.
6. The new state is saved and everything is committed together.

Database work runs in a worker thread (`asyncio.to_thread`); only the file download, which
is network I/O, runs on the event loop. Any unexpected exception is logged and the user gets
a polite "something went wrong" reply, never silence.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import String, bindparam, delete, func, insert, update
from sqlalchemy import select as select_core
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator, fold
from bot.messaging import FileFetcher, Incoming, Reply, choice_numbers
from bot.models import Contact, ConversationState, ProcessedUpdate, utcnow
from bot.services import audit
from bot.services.attachments import FILE_MODE, INCOMING, ensure_dir
from bot.services.contacts import get_or_create_contact, keep_current
from bot.services.drafts import abandon_drafts_of
from bot.services.filetypes import shown_name
from bot.settings import Settings
from conversations import common
from conversations.flow import (
    Again,
    Answer,
    Ctx,
    Finish,
    Flow,
    Invalid,
    Outcome,
    StagedFile,
    Stop,
    as_replies,
)
from conversations.registry import Registry, default_registry

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
_OFFERED = "_offered"
_NUMBERED = "_numbered"
_LABELS = "_labels"


def _choice_by_label(
    text: str, offered: list[str], labels: list[str], *, prefix: bool = True
) -> str | None:
    """The offered choice whose label was typed (with or without diacritics, any case:
    "lao dong tien tien" picks "Lao động tiên tiến"); a unique label starting with the
    typed words counts too (unless `prefix` is off). None when no label, or several, fit."""
    typed = fold(text).rstrip(".!?")
    if not typed or len(labels) != len(offered):
        return None
    exact = [key for key, label in zip(offered, labels, strict=True) if label == typed]
    if len(exact) == 1:
        return exact[0]
    if not prefix or len(typed) < 4:
        return None
    starts = [key for key, label in zip(offered, labels, strict=True) if label.startswith(typed)]
    return starts[0] if len(starts) == 1 else None


_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)
GLOBAL_COMMANDS = ("start", "help", "cancel", "back", "language")

# The statements of every update, built once with bound parameters: building a statement
# costs more Python than SQLite takes to run it. The Core ones run on the session's connection
# (`session.connection().execute`), in its transaction, without the ORM's execute layer
# (autoflush, ORM events, result wrapping): nothing in them is an ORM entity.
_state = ConversationState.__table__  # type: ignore[attr-defined]
# The conversation state is read as plain columns and written with Core statements (`_State`):
# loading it as an ORM entity and flushing it through the unit of work cost more than the
# rest of a typical answer's transaction.
_SENDER = (
    select_core(
        Contact,
        _state.c.flow,
        _state.c.step,
        _state.c.data,
        _state.c.history,
        _state.c.expires_at,
    )
    .outerjoin(_state, _state.c.contact_id == col(Contact.id))
    .where(
        col(Contact.channel) == bindparam("channel"),
        col(Contact.user_id) == bindparam("user_id"),
    )
    .with_for_update(of=Contact)
)
_STATE_INSERT = insert(_state)
_STATE_UPDATE = update(_state).where(_state.c.contact_id == bindparam("of_contact"))
_STATE_DELETE = delete(_state).where(_state.c.contact_id == bindparam("of_contact"))
_processed = ProcessedUpdate.__table__  # type: ignore[attr-defined]
_CLAIM = insert(_processed)
# PostgreSQL: the same INSERT, after the sender's transaction-scoped advisory lock.
_CLAIM_LOCKED = insert(_processed).from_select(
    ["channel", "update_key", "at"],
    select_core(
        *(
            bindparam(name, type_=_processed.c[name].type)
            for name in ("channel", "update_key", "at")
        )
    ).select_from(
        func.pg_advisory_xact_lock(func.hashtextextended(bindparam("sender", type_=String), 0))
    ),
)


@dataclass
class _State:
    """A contact's conversation: the ConversationState row, as the engine reads and writes it.

    `stored` is whether the row exists (a new conversation is inserted on its first save)."""

    contact_id: int
    flow: str
    step: str
    data: dict[str, Any]
    history: list[str]
    expires_at: datetime
    stored: bool = True


class Relayed(StrEnum):
    """What became of a file relayed from outside the chat (see `Engine.relay_file`)."""

    DONE = "done"  # the step kept the file; the conversation moved on
    DUPLICATE = "duplicate"  # the same relay was already applied
    MOVED = "moved"  # the conversation is no longer at that step: nothing changed
    REFUSED = "refused"  # the step refused the file (the replies say why): nothing changed
    FAILED = "failed"  # an error on our side: nothing changed


@dataclass(frozen=True)
class Relay:
    """A file that arrives outside the chat (the upload page) for one step of a conversation.

    It is applied only while the contact's conversation is still at `flow`/`step`, and counts
    only if the step keeps the file (moves it away, as `StagedFile` asks). `commit(session,
    contact, replies)` runs in the engine's transaction just before it commits: it queues the
    replies to the chat through the outbox and spends whatever authorised the relay, so the
    stored file, the chat's answer and the spent authority exist together or not at all. It
    returns False to call everything off (the authority is no longer valid).
    """

    flow: str
    step: str
    commit: Callable[[Session, Contact, list[Reply]], bool]


@dataclass
class RelayOutcome:
    result: Relayed
    replies: list[Reply] = field(default_factory=list)


class _Refused(Exception):
    """A step refused the answer (a domain error) or ended the flow (`Stop`) after the
    transaction may have changed: the engine rolls back and handles the update again with
    `Ctx.refused` set."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def explain(exc: BaseException, t: Translator) -> str | None:
    """The user-facing message of a domain error (anything carrying `msgid` and `params`)."""
    if isinstance(exc, Invalid):
        return exc.message
    for method in ("message", "translate"):
        render = getattr(exc, method, None)
        if callable(render):
            text = render(t)
            if isinstance(text, str):
                return text
    msgid = getattr(exc, "msgid", None)
    params = getattr(exc, "params", None)
    if isinstance(msgid, str) and isinstance(params, dict):
        try:
            return t(msgid, **params)
        except (KeyError, IndexError, ValueError):
            return t(msgid)
    return None


def _is_domain_error(exc: BaseException) -> bool:
    return isinstance(exc, Invalid) or (
        isinstance(getattr(exc, "msgid", None), str)
        and isinstance(getattr(exc, "params", None), dict)
    )


class Engine:
    """Runs the flows for every channel; safe to run as several instances on one PostgreSQL."""

    def __init__(
        self,
        db: SAEngine,
        settings: Settings,
        *,
        registry: Registry | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.registry = registry if registry is not None else default_registry()
        self.clock = clock

    # ----------------------------------------------------------------- entry point
    async def handle(self, incoming: Incoming, files: FileFetcher | None = None) -> list[Reply]:
        """The replies to one user action (empty when the update was already handled)."""
        staged: StagedFile | None = None
        file_error: str | None = None
        try:
            if incoming.file is not None:
                # A redelivered file is not downloaded again (the claim below decides).
                if await asyncio.to_thread(self._seen, incoming):
                    return []
                staged, file_error = await self._stage(incoming, files)
            return await asyncio.to_thread(self._handle_sync, incoming, staged, file_error)
        except Exception:
            logger.exception("conversation failed for %s:%s", incoming.channel, incoming.user_id)
            t = Translator(incoming.language_hint or self.settings.locale)
            return [Reply(t("Sorry, something went wrong on our side. Please try again."))]
        finally:
            if staged is not None and staged.path.exists():
                staged.path.unlink(missing_ok=True)

    async def relay_file(
        self, incoming: Incoming, files: FileFetcher, relay: Relay
    ) -> RelayOutcome:
        """Answer the step `relay` names with a file received outside the chat.

        The same claim, contact lock and step run as for a file sent in the chat, so the
        conversation goes on exactly as if the file had come through it; `incoming.update_key`
        must name the relay (a second attempt with the same key is a DUPLICATE).
        """
        staged: StagedFile | None = None
        try:
            staged, file_error = await self._stage(incoming, files)
            if staged is None:
                t = Translator(incoming.language_hint or self.settings.locale)
                return RelayOutcome(Relayed.REFUSED, [Reply(t(file_error) if file_error else "")])
            return await asyncio.to_thread(self._relay_sync, incoming, staged, relay)
        except Exception:
            logger.exception("relayed file failed for %s:%s", incoming.channel, incoming.user_id)
            return RelayOutcome(Relayed.FAILED)
        finally:
            if staged is not None and staged.path.exists():
                staged.path.unlink(missing_ok=True)

    def _relay_sync(self, incoming: Incoming, staged: StagedFile, relay: Relay) -> RelayOutcome:
        now = self.clock()
        refused: BaseException | None = None
        while True:
            with Session(self.db, expire_on_commit=False) as session:
                if not self._claim(session, incoming, now):
                    session.rollback()
                    return RelayOutcome(Relayed.DUPLICATE)
                contact, state = self._sender(session, incoming)
                if (
                    contact is None
                    or state is None
                    or (state.flow, state.step) != (relay.flow, relay.step)
                    or state.expires_at <= now
                ):
                    session.rollback()
                    return RelayOutcome(Relayed.MOVED)
                ctx = self._ctx(session, contact, incoming, now, refused)
                try:
                    replies = self._dispatch(ctx, Answer(file=staged), state)
                except _Refused as again:
                    session.rollback()
                    refused = again.error
                    continue
                if staged.path.exists():  # the step did not keep it: it said why in `replies`
                    session.rollback()
                    return RelayOutcome(Relayed.REFUSED, replies)
                if not relay.commit(session, contact, replies):
                    session.rollback()
                    return RelayOutcome(Relayed.MOVED)
                session.commit()
                return RelayOutcome(Relayed.DONE, replies)

    async def _stage(
        self, incoming: Incoming, files: FileFetcher | None
    ) -> tuple[StagedFile | None, str | None]:
        """Download the user's file to a temporary place (or say, as an msgid, why not)."""
        assert incoming.file is not None
        info = incoming.file
        if files is None:
            return None, N_("Files cannot be received on this channel.")
        if info.size > MAX_FILE_BYTES:
            return None, N_("The file is larger than 20 MB. Please send a smaller file.")
        staging = ensure_dir(self.settings.files_dir / INCOMING)
        name = common.safe_file_name(info.file_name or ("photo.jpg" if info.is_photo else "file"))
        path = staging / f"{uuid.uuid4().hex}-{name}"
        try:
            await files.fetch(info, path)
        except Exception:
            logger.exception("download of %s failed", info.file_id)
            path.unlink(missing_ok=True)
            return None, N_("The file could not be downloaded. Please send it again.")
        path.chmod(FILE_MODE)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            path.unlink(missing_ok=True)
            return None, N_("The file is larger than 20 MB. Please send a smaller file.")
        mime = info.mime_type or (mimetypes.guess_type(name)[0] or "")
        shown = shown_name(info.file_name or name) or name
        return StagedFile(path, shown[:255], mime, size, info.is_photo), None

    # ------------------------------------------------------------ the transaction
    def _handle_sync(
        self, incoming: Incoming, staged: StagedFile | None, file_error: str | None
    ) -> list[Reply]:
        now = self.clock()
        answer = Answer(
            text=(incoming.text or "").strip(),
            choice=incoming.choice,
            file=staged,
            file_error=file_error,
        )
        refused: BaseException | None = None
        while True:
            with Session(self.db, expire_on_commit=False) as session:
                if not self._claim(session, incoming, now):
                    session.rollback()
                    logger.info(
                        "update %s:%s already handled", incoming.channel, incoming.update_key
                    )
                    return []
                contact, state = self._locked_contact(session, incoming)
                contact_id = contact.id
                language = contact.language
                try:
                    ctx = self._ctx(session, contact, incoming, now, refused)
                    replies = self._dispatch(ctx, answer, state)
                    session.commit()
                    return replies
                except _Refused as again:
                    # The step refused the answer after writing: everything is undone and
                    # the update handled once more, answering the refusal without the step.
                    session.rollback()
                    refused = again.error
                    continue
                except Exception:
                    logger.exception("flow failed for contact %s", contact_id)
                    session.rollback()
            break
        # The failed attempt changed nothing; remember the update so a redelivery does not
        # repeat the failure forever, and apologise.
        self._claim_alone(incoming, now)
        t = Translator(language)
        return [Reply(t("Sorry, something went wrong on our side. Please try again."))]

    def _ctx(
        self,
        session: Session,
        contact: Contact,
        incoming: Incoming,
        now: datetime,
        refused: BaseException | None,
    ) -> Ctx:
        return Ctx(
            session=session,
            contact=contact,
            t=Translator(contact.language),
            settings=self.settings,
            now=now,
            channel=incoming.channel,
            refused=refused,
        )

    def _sender(self, session: Session, incoming: Incoming) -> tuple[Contact | None, _State | None]:
        """The sender's contact, row-locked for the transaction, with its conversation state:
        one statement.

        The state may come in the locking SELECT because the update's claim already holds
        the sender's lock (`_claim`): a concurrent worker on the same sender has committed
        before this statement takes its snapshot, so the state read is not stale. (Locking
        the contact alone would not do on PostgreSQL: after waiting for a row lock, the rows
        joined to it are still those of the statement's snapshot.)
        """
        row = session.execute(
            _SENDER, {"channel": incoming.channel, "user_id": str(incoming.user_id)}
        ).first()
        if row is None:
            return None, None
        contact, flow, step, data, history, expires_at = row
        assert contact.id is not None
        if flow is None:
            return contact, None
        return contact, _State(contact.id, flow, step, data or {}, history or [], expires_at)

    def _locked_contact(
        self, session: Session, incoming: Incoming
    ) -> tuple[Contact, _State | None]:
        """The sender's contact (created on first contact), locked, with its state."""
        contact, state = self._sender(session, incoming)
        if contact is not None:
            keep_current(session, contact, incoming.chat_id, incoming.display_name)
            return contact, state
        created = get_or_create_contact(
            session,
            incoming.channel,
            incoming.user_id,
            incoming.chat_id,
            incoming.display_name,
            incoming.language_hint,
        )
        locked = session.exec(select(Contact).where(Contact.id == created.id).with_for_update())
        return locked.one(), None

    def _claim(self, session: Session, incoming: Incoming, now: datetime) -> bool:
        """Insert the update's key as the transaction's first statement; False if known.

        Deliberately not in a SAVEPOINT: on SQLite an outermost SAVEPOINT is the transaction,
        and releasing it would commit the claim on its own. As a plain first INSERT it opens
        the transaction and takes SQLite's write lock until the commit, so messages are
        applied one at a time there. On PostgreSQL the same statement first takes a
        transaction-scoped advisory lock on the sender (channel and user id), so two
        messages of one person handled by two instances are applied one after the other and
        the second reads the state the first committed. Nothing else has been done when the
        key turns out to be known: rolling back is safe.
        """
        values = {
            "channel": str(incoming.channel),
            "update_key": incoming.update_key[:128],
            "at": now,
        }
        statement: Any = _CLAIM
        if session.get_bind().dialect.name == "postgresql":
            statement = _CLAIM_LOCKED
            values["sender"] = f"thidua:sender:{incoming.channel}:{incoming.user_id}"
        try:
            session.connection().execute(statement, values)
        except IntegrityError:
            session.rollback()
            return False
        return True

    def _seen(self, incoming: Incoming) -> bool:
        with Session(self.db) as session:
            found = session.exec(
                select(ProcessedUpdate.id).where(
                    ProcessedUpdate.channel == str(incoming.channel),
                    ProcessedUpdate.update_key == incoming.update_key[:128],
                )
            ).first()
        return found is not None

    def _claim_alone(self, incoming: Incoming, now: datetime) -> None:
        try:
            with Session(self.db) as session:
                self._claim(session, incoming, now)
                session.commit()
        except Exception:
            logger.exception("could not record update %s", incoming.update_key)

    # ------------------------------------------------------------------- routing
    def _dispatch(self, ctx: Ctx, answer: Answer, loaded: _State | None) -> list[Reply]:
        try:
            return self._route(ctx, answer, loaded)
        except Stop as stop:
            ctx.cache.clear()
            # Whatever conversation the contact has now (loaded, or begun by this update)
            # ends; the statements are immediate, so the row is the truth.
            assert ctx.contact.id is not None
            if self._delete_state(ctx, ctx.contact.id):
                ctx.data = {}
                abandon_drafts_of(ctx.session, ctx.act)
            return list(stop.replies)

    def _route(self, ctx: Ctx, answer: Answer, loaded: _State | None) -> list[Reply]:
        t = ctx.t
        out: list[Reply] = []
        state, expired = self._load_state(ctx, loaded)
        if expired:
            out.append(
                Reply(
                    t(
                        "The previous conversation had expired, so it was closed. "
                        "Anything already saved stays as a draft."
                    )
                )
            )
        command = _COMMAND.match(answer.text) if answer.choice is None else None
        if command is not None:
            name, args = command.group(1).lower(), (command.group(2) or "").strip()
            return out + self._command(ctx, state, name, args)
        if state is None:
            return out + self._idle(ctx, answer)
        flow = self.registry.get(state.flow)
        if flow is None or state.step not in flow.steps:
            self._drop(ctx, state)
            return out + self._idle(ctx, answer)
        return out + self._answer(ctx, state, flow, answer)

    def _command(self, ctx: Ctx, state: _State | None, name: str, args: str) -> list[Reply]:
        t = ctx.t
        if name == "cancel":
            if state is not None:
                if self._drop(ctx, state):
                    return [
                        Reply(
                            t(
                                "Cancelled. The changes were not submitted: the version you "
                                "submitted, with its receipt, stays in force. Send /help to "
                                "see what you can do."
                            )
                        )
                    ]
                return [
                    Reply(
                        t(
                            "Cancelled. Nothing was submitted; drafts stay as they were. "
                            "Send /help to see what you can do."
                        )
                    )
                ]
            return [Reply(t("There is nothing to cancel. Send /help to see what you can do."))]
        if name == "back":
            return self._back(ctx, state)
        if name == "help":
            help_reply = common.help_reply(ctx, self.registry)
            flow = self.registry.get(state.flow) if state is not None else None
            if state is None or flow is None or state.step not in flow.steps:
                return [help_reply]
            # Help does not lose the question being asked: it is asked again after.
            ctx.data = dict(state.data)
            return self._reask(ctx, state, flow, [help_reply])
        if name == "start":
            if common.is_linked(ctx.contact) or common.is_staff(ctx.contact):
                if state is not None:
                    self._drop(ctx, state)
                return [common.welcome(ctx), common.help_reply(ctx, self.registry)]
            name = "link"
        flow = self.registry.get(name)
        if flow is None:
            unknown = Reply(
                t("Unknown command /{name}. Send /help to see what you can do.", name=name)
            )
            current = self.registry.get(state.flow) if state is not None else None
            if state is None or current is None or state.step not in current.steps:
                return [unknown]
            # Mid-flow, the question being asked is asked again (nothing is lost).
            ctx.data = dict(state.data)
            return self._reask(ctx, state, current, [unknown])
        refusal = self._refusal(ctx, flow)
        if refusal is not None:
            return [refusal]
        if state is not None:
            self._drop(ctx, state)
        return self._run(ctx, None, flow, lambda: flow.begin(ctx, args))

    def _refusal(self, ctx: Ctx, flow: Flow) -> Reply | None:
        t = ctx.t
        if ctx.contact.role not in flow.roles:
            logger.log(
                logging.INFO if common.is_staff(ctx.contact) else logging.WARNING,
                "contact %s (%s) refused /%s",
                ctx.contact.id,
                ctx.contact.role,
                flow.command,
            )
            audit.record(
                ctx.session,
                "command.refused",
                ctx.act,
                subject=f"/{flow.command}",
                after={"role": str(ctx.contact.role)},
            )
            if common.is_staff(ctx.contact):
                return Reply(
                    t(
                        "/{name} is for enterprise officers; staff accounts are not "
                        "linked to an enterprise.",
                        name=flow.command,
                    )
                )
            return Reply(
                t(
                    "Sorry, /{name} is only for the board's staff. Send /help to see "
                    "what you can do.",
                    name=flow.command,
                )
            )
        if flow.needs_enterprise and not common.is_linked(ctx.contact):
            return Reply(
                t(
                    "First link your enterprise: send the invite code the board gave "
                    "you (or /start)."
                )
            )
        return None

    def _idle(self, ctx: Ctx, answer: Answer) -> list[Reply]:
        """A message outside any flow."""
        t = ctx.t
        if not common.is_linked(ctx.contact) and not common.is_staff(ctx.contact):
            link = self.registry.get("link")
            if link is not None and answer.text:
                return self._run(ctx, None, link, lambda: link.begin(ctx, answer.text))
            if link is not None:
                return self._run(ctx, None, link, lambda: link.begin(ctx, ""))
        if answer.choice is not None:
            return [
                Reply(
                    t(
                        "That button belongs to a conversation that has ended. "
                        "Send /help to see what you can do."
                    )
                )
            ]
        if answer.file is not None or answer.file_error is not None:
            return [
                Reply(
                    t(
                        "I was not expecting a file now. To send a report or a launch "
                        "document, start with /report or /launch."
                    )
                )
            ]
        return [Reply(t("I did not understand. Send /help to see what you can do."))]

    def _answer(self, ctx: Ctx, state: _State, flow: Flow, answer: Answer) -> list[Reply]:
        t = ctx.t
        step = flow.steps[state.step]
        ctx.data = dict(state.data)
        offered: list[str] = list(ctx.data.get(_OFFERED, []))
        if answer.choice is not None and answer.choice not in offered:
            return self._reask(
                ctx,
                state,
                flow,
                [Reply(t("That button belongs to an earlier question. Please answer this one:"))],
            )
        if (answer.file is not None or answer.file_error is not None) and not step.accepts_file:
            return self._reask(
                ctx,
                state,
                flow,
                [Reply(t("I was not expecting a file here. Please answer this question:"))],
            )
        if answer.file_error is not None:
            return self._reask(ctx, state, flow, [Reply(t(answer.file_error))])
        numbers: list[int] = list(ctx.data.get(_NUMBERED) or range(1, len(offered) + 1))
        if (
            answer.choice is None
            and answer.file is None
            and step.numbered
            and answer.text.isdecimal()
            and int(answer.text) in numbers
        ):
            answer = Answer(text=answer.text, choice=offered[numbers.index(int(answer.text))])
        elif answer.choice is None and answer.file is None and answer.text:
            labelled = _choice_by_label(
                answer.text, offered, ctx.data.get(_LABELS, []), prefix=not step.search
            )
            if labelled is not None:
                answer = Answer(text=answer.text, choice=labelled)
        if answer.choice is None and answer.file is None and not answer.text:
            return self._reask(ctx, state, flow, [Reply(t("Please type an answer."))])
        return self._run(ctx, state, flow, lambda: step.handle(ctx, answer))

    # ------------------------------------------------------------ running a step
    def _run(
        self,
        ctx: Ctx,
        state: _State | None,
        flow: Flow,
        action: Callable[[], Outcome],
    ) -> list[Reply]:
        """Run `action` and apply its outcome to the state.

        No SAVEPOINT around the step (two statements on every answer): a step that refuses
        the answer (`Invalid`, a service's domain error) or ends the flow (`Stop`) is rare,
        so then the whole transaction is rolled back and the update handled again
        (`_Refused`), this time answering the refusal (or stopping) without running the
        step: what it wrote is gone, as a savepoint's rollback left it.
        """
        if state is None:
            ctx.data = {}
        if ctx.refused is not None:
            error, ctx.refused = ctx.refused, None
            if isinstance(error, Stop):
                raise error  # the flow ends (`_dispatch`), without what the step wrote
            message = explain(error, ctx.t) or ""
            if state is None:
                return [Reply(message)]
            return self._reask(ctx, state, flow, [Reply(message)])
        try:
            outcome = action()
        except Stop as stop:
            raise _Refused(stop) from stop
        except Exception as exc:
            if not _is_domain_error(exc):
                raise
            raise _Refused(exc) from exc
        return self._apply(ctx, state, flow, outcome)

    def _apply(self, ctx: Ctx, state: _State | None, flow: Flow, outcome: Outcome) -> list[Reply]:
        out = list(outcome.replies)
        if isinstance(outcome, Finish):
            if state is not None:
                self._drop(ctx, state)
            return out
        if isinstance(outcome, Again):
            if state is None:
                return out
            return self._reask(ctx, state, flow, out)
        if outcome.step not in flow.steps:
            raise KeyError(f"flow {flow.command} has no step {outcome.step}")
        if state is None:
            assert ctx.contact.id is not None
            state = _State(
                ctx.contact.id, flow.command, outcome.step, {}, [], self._expiry(ctx), stored=False
            )
        else:
            if outcome.reset:
                state.history = []
            elif outcome.remember and outcome.step != state.step:
                state.history = [*state.history, state.step][-30:]
            state.step = outcome.step
        return self._reask(ctx, state, flow, out)

    def _reask(self, ctx: Ctx, state: _State, flow: Flow, before: list[Reply]) -> list[Reply]:
        """Ask the state's current step (after `before`) and save what was offered."""
        step = flow.steps[state.step]
        ctx.data = {k: v for k, v in ctx.data.items() if k not in (_OFFERED, _NUMBERED, _LABELS)}
        prompt = as_replies(step.prompt(ctx))
        offered = [c.key for r in prompt for c in r.choices]
        ctx.data[_OFFERED] = offered
        ctx.data[_NUMBERED] = [n for r in prompt for n in choice_numbers(r.choices)]
        ctx.data[_LABELS] = [fold(c.label) for r in prompt for c in r.choices]
        self._save(ctx, state)
        return before + prompt

    # -------------------------------------------------------------------- state
    def _load_state(self, ctx: Ctx, state: _State | None) -> tuple[_State | None, bool]:
        """The contact's live state (`state`, read with the contact), and whether an expired
        one was just dropped."""
        if state is None:
            return None, False
        if state.expires_at <= ctx.now:
            self._drop(ctx, state)
            return None, True
        ctx.data = dict(state.data)
        return state, False

    def _expiry(self, ctx: Ctx) -> datetime:
        return ctx.now + timedelta(hours=self.settings.conversation_ttl_hours)

    def _save(self, ctx: Ctx, state: _State) -> None:
        state.data = _jsonable(ctx.data)
        state.expires_at = self._expiry(ctx)
        values = {
            "step": state.step,
            "data": state.data,
            "history": state.history,
            "updated_at": ctx.now,
            "expires_at": state.expires_at,
        }
        if state.stored:
            ctx.session.connection().execute(
                _STATE_UPDATE, {"of_contact": state.contact_id, **values}
            )
        else:
            ctx.session.connection().execute(
                _STATE_INSERT, {"contact_id": state.contact_id, "flow": state.flow, **values}
            )
            state.stored = True

    def _delete_state(self, ctx: Ctx, contact_id: int) -> bool:
        """Delete the contact's ConversationState row; whether there was one."""
        result: Any = ctx.session.connection().execute(_STATE_DELETE, {"of_contact": contact_id})
        return bool(result.rowcount)

    def _drop(self, ctx: Ctx, state: _State) -> int:
        """End the conversation. A draft the contact opened beside a submitted item and did
        not submit is abandoned with it: the submitted version stays in force."""
        if state.stored:
            self._delete_state(ctx, state.contact_id)
            state.stored = False
        ctx.data = {}
        return abandon_drafts_of(ctx.session, ctx.act)

    def _back(self, ctx: Ctx, state: _State | None) -> list[Reply]:
        t = ctx.t
        if state is None:
            return [
                Reply(t("There is no question to go back to. Send /help to see what you can do."))
            ]
        flow = self.registry.get(state.flow)
        if flow is None:
            self._drop(ctx, state)
            return [
                Reply(t("There is no question to go back to. Send /help to see what you can do."))
            ]
        history = [s for s in state.history if s in flow.steps]
        if not history:
            return self._reask(
                ctx,
                state,
                flow,
                [Reply(t("This is the first question; there is no previous one. /cancel stops."))],
            )
        state.step = history.pop()
        state.history = history
        return self._reask(ctx, state, flow, [])


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """State data must survive a JSON round trip; anything else is a programming error."""
    import json

    return dict(json.loads(json.dumps(data)))
