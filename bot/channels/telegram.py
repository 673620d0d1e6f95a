"""The Telegram channel, through python-telegram-bot v22.

Everything the platform sends is turned into a channel-neutral `Incoming` and handed to a
`Handler` (the conversation engine); every `Reply` is rendered by `send_reply`, which the
webhook, the polling loop and the outbox's `TelegramSender` all share, so a reply looks the same
whether it answers a message or is a scheduled reminder.

The API base URL comes from the settings and is used for both the method calls and the file
downloads, so a self-hosted Bot API server (larger downloads) or the tests' fake server works.
The token is part of every URL: nothing here logs a URL, `common.TokenUrlFilter` masks it in the
lines httpx and PTB log, and `bot.server` redacts it from every log record besides.

The channel-neutral pieces (`Handler`, `split_text`, `ChatLocks`, `FileTooLarge`, `apology`,
the token filter) live in `bot.channels.common`, shared with the Zalo channel.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.channels.common import (
    ChatLocks,
    FileTooLarge,
    Handler,
    apology,
    send_with_retries,
    split_text,
)
from bot.db import get_engine
from bot.i18n import LANGUAGES, N_, Translator
from bot.messaging import (
    Incoming,
    IncomingFile,
    RateLimited,
    Reply,
    SendError,
    TransientError,
    Unreachable,
    coalesced,
)
from bot.models.enums import Channel, Role
from bot.settings import Settings
from scheduler.pacing import SharedPacer, bot_pacer

log = logging.getLogger(__name__)

OFFICIAL_API_BASE_URL = "https://api.telegram.org"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024
ALLOWED_UPDATES = ("message", "callback_query")
CONNECTION_POOL_SIZE = 16

# The command menu, in the order officers need it. Descriptions are translated per language.
MENU: tuple[tuple[str, str], ...] = (
    ("start", N_("Start, or link this chat to your enterprise")),
    ("status", N_("What is submitted and what is due")),
    ("register", N_("Register emulation titles")),
    ("report", N_("Send the year-end report")),
    ("launch", N_("Send the launch document")),
    ("link", N_("Link this chat with an invite code")),
    ("help", N_("What you can do now")),
    ("back", N_("Go back one step")),
    ("language", N_("Change the language")),
    ("cancel", N_("Cancel the current step")),
)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """One inline button per row, so long Vietnamese labels stay readable on a phone."""
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(choice.label, callback_data=choice.key)] for choice in reply.choices]
    )


def fits_one_message(reply: Reply) -> bool:
    """Whether `reply` goes as one Telegram message (the test of `coalesced`)."""
    return len(reply.text) <= TEXT_LIMIT


async def send_reply(bot: TelegramBot, chat_id: int | str, reply: Reply) -> list[Message]:
    """Render one Reply: text split at 4096 characters, then the document and/or photo.

    The keyboard goes on the last message so it stays next to the question. A text short
    enough for a caption travels with the attachment instead of as a separate message.

    Each attachment is sent on its own: a photo Telegram refuses (PHOTO_INVALID_DIMENSIONS:
    a 600-dpi A4 scan is 4961×7016) goes again as a document, and an attachment refused even
    so does not stop the rest. If the message meant to carry the question (caption and
    keyboard) could not be sent, the question goes as a text of its own: a step is never left
    without its question. The refusal is then raised (BadRequest) once everything that could
    go out went out, so the outbox records the delivery as failed instead of repeating it.
    """
    markup = keyboard(reply)
    attachments: list[tuple[str, Path]] = []
    if reply.document is not None:
        attachments.append(("document", reply.document))
    if reply.photo is not None:
        attachments.append(("photo", reply.photo))
    caption: str | None = None
    chunks = split_text(reply.text, TEXT_LIMIT)
    if attachments and len(reply.text) <= CAPTION_LIMIT:
        caption = reply.text or None
        chunks = []
    if not chunks and not attachments:
        if markup is None:
            return []
        chunks = ["…"]  # Telegram cannot send buttons without a text
    sent: list[Message] = []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1 and not attachments
        sent.append(await bot.send_message(chat_id, chunk, reply_markup=markup if last else None))
    refused: BadRequest | None = None
    question_lost = False
    for index, (kind, path) in enumerate(attachments):
        last = index == len(attachments) - 1
        kwargs: dict[str, Any] = {
            "caption": caption if index == 0 else None,
            "reply_markup": markup if last else None,
        }
        try:
            sent.append(await _send_attachment(bot, chat_id, kind, path, kwargs))
        except BadRequest as exc:
            log.warning("chat %s: %s %s refused: %s", chat_id, kind, path.name, exc)
            refused = exc
            question_lost |= bool(kwargs["caption"]) or kwargs["reply_markup"] is not None
    if question_lost:
        again = split_text(reply.text, TEXT_LIMIT) or ["…"]
        for index, chunk in enumerate(again):
            last = index == len(again) - 1
            sent.append(
                await bot.send_message(chat_id, chunk, reply_markup=markup if last else None)
            )
    if refused is not None:
        raise refused
    return sent


async def _send_attachment(
    bot: TelegramBot, chat_id: int | str, kind: str, path: Path, kwargs: dict[str, Any]
) -> Message:
    """One document or photo; a photo the platform refuses goes again as a document."""
    if kind == "photo":
        try:
            with path.open("rb") as fh:
                return await bot.send_photo(chat_id, fh, filename=path.name, **kwargs)
        except BadRequest as exc:
            log.info("chat %s: photo %s refused (%s); sent as a document", chat_id, path.name, exc)
    with path.open("rb") as fh:
        return await bot.send_document(chat_id, fh, filename=path.name, **kwargs)


def _command_text(text: str) -> str:
    """'/start@ThiDuaBot ABC' → '/start ABC': the engine should not care which bot it was."""
    if not text.startswith("/"):
        return text
    head, sep, tail = text.partition(" ")
    return head.split("@", 1)[0] + sep + tail


def _file_from_message(message: Message) -> IncomingFile | None:
    if message.document is not None:
        doc = message.document
        return IncomingFile(
            file_id=doc.file_id,
            file_name=doc.file_name or f"document_{doc.file_unique_id}",
            mime_type=doc.mime_type or "",
            size=doc.file_size or 0,
        )
    if message.photo:
        photo = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return IncomingFile(
            file_id=photo.file_id,
            file_name=f"photo_{photo.file_unique_id}.jpg",
            mime_type="image/jpeg",
            size=photo.file_size or 0,
            is_photo=True,
        )
    return None


def incoming_from_update(update: Update) -> Incoming | None:
    """The channel-neutral form of an update, or None for what the bot does not handle
    (edited messages, channel posts, service messages such as 'X joined the group')."""
    key = str(update.update_id)
    query = update.callback_query
    if query is not None:
        user = query.from_user
        chat = query.message.chat.id if query.message is not None else user.id
        return Incoming(
            channel=Channel.TELEGRAM,
            user_id=str(user.id),
            chat_id=str(chat),
            update_key=key,
            display_name=user.full_name,
            choice=query.data or "",
            language_hint=user.language_code,
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    user = message.from_user
    raw = message.text if message.text is not None else message.caption
    text = _command_text(raw) if raw is not None else None
    file = _file_from_message(message)
    if text is None and file is None and message.effective_attachment is None:
        return None
    # A sticker, a voice note or a location arrives with neither text nor file:
    # the engine still answers it, saying what it can read.
    return Incoming(
        channel=Channel.TELEGRAM,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        update_key=key,
        display_name=user.full_name,
        text=text,
        file=file,
        language_hint=user.language_code,
    )


def is_self_hosted(settings: Settings) -> bool:
    """A self-hosted Bot API server lifts the 20 MB download limit."""
    return settings.telegram_api_base_url.rstrip("/") != OFFICIAL_API_BASE_URL


class TelegramFileFetcher:
    """Downloads a document or photo through getFile and the API's file route."""

    def __init__(self, bot: TelegramBot, self_hosted: bool = False) -> None:
        self.bot = bot
        self.self_hosted = self_hosted

    def _check(self, size: int | None) -> None:
        if not self.self_hosted and size and size > CLOUD_DOWNLOAD_LIMIT:
            raise FileTooLarge(size, CLOUD_DOWNLOAD_LIMIT)

    async def fetch(self, file: IncomingFile, destination: Path) -> None:
        self._check(file.size)
        try:
            remote = await self.bot.get_file(file.file_id)
        except BadRequest as exc:
            if "too big" in str(exc).lower():
                raise FileTooLarge(file.size, CLOUD_DOWNLOAD_LIMIT) from exc
            raise
        self._check(remote.file_size)
        destination.parent.mkdir(parents=True, exist_ok=True)
        await remote.download_to_drive(destination)


def _retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 warns that `retry_after` becomes a timedelta; accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """The outbox's way to Telegram: `send_reply` with the errors the dispatcher understands."""

    def __init__(self, bot: TelegramBot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, reply: Reply) -> None:
        try:
            await send_reply(self.bot, chat_id, reply)
        except RetryAfter as exc:
            raise RateLimited(_retry_after_seconds(exc), str(exc)) from exc
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            # BadRequest is a NetworkError subclass in PTB, but retrying it cannot help.
            lowered = str(exc).lower()
            if "chat not found" in lowered or "user not found" in lowered:
                raise Unreachable(str(exc)) from exc
            raise SendError(str(exc)) from exc
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            raise TransientError(str(exc)) from exc
        except TelegramError as exc:
            raise SendError(str(exc)) from exc
        except OSError as exc:  # the attachment vanished from disk
            raise SendError(f"cannot read attachment: {exc.strerror or exc}") from exc


class TelegramChannel:
    """Receives updates from PTB (polling or webhook queue) and answers through the engine."""

    def __init__(
        self, handler: Handler, self_hosted: bool = False, pacer: SharedPacer | None = None
    ) -> None:
        self.handler = handler
        self.self_hosted = self_hosted
        self.pacer = pacer  # the bot's budget, shared with the outbox and other instances
        self._locks = ChatLocks()

    async def _acknowledge(self, query: CallbackQuery) -> None:
        """Stop the button's spinner and remove the keyboard, so an answered question
        cannot be answered again by an old button."""
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("could not answer callback query: %s", exc)
        message = query.message
        if isinstance(message, Message) and message.reply_markup is not None:
            try:
                await query.edit_message_reply_markup(reply_markup=None)
            except TelegramError as exc:
                log.debug("could not remove the keyboard: %s", exc)

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        incoming = incoming_from_update(update)
        if incoming is None:
            log.debug("ignoring update %s: nothing the bot handles", update.update_id)
            return
        fetcher = TelegramFileFetcher(context.bot, self.self_hosted)
        # The lock is taken before the first await, so one chat's updates keep their order.
        async with self._locks.hold(incoming.chat_id):
            if update.callback_query is not None:
                await self._acknowledge(update.callback_query)
            try:
                replies = await self.handler.handle(incoming, fetcher)
            except Exception:
                log.exception("the engine failed on Telegram update %s", update.update_id)
                replies = [apology(incoming.language_hint)]
            await self.deliver(context.bot, incoming.chat_id, replies)

    async def deliver(self, bot: TelegramBot, chat_id: str, replies: Sequence[Reply]) -> None:
        """Each message on its own, retried on 429 and 5xx; one refused does not stop the next.

        A plain text and the question after it go as one message (`coalesced`) when it stays
        within one Telegram message."""
        sender = TelegramSender(bot)
        for reply in coalesced(replies, fits_one_message):
            try:
                await send_with_retries(sender, chat_id, reply, pacer=self.pacer)
            except Unreachable:
                log.info("chat %s blocked the bot; replies dropped", chat_id)
                return
            except SendError as exc:
                log.warning("could not reply to chat %s: %s", chat_id, exc)


def build_application(
    settings: Settings, handler: Handler
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB Application wired to `handler`.

    Without TELEGRAM_WEBHOOK_URL it has an Updater for long polling; with it, it has none and
    `bot.web` puts the webhook's updates on `application.update_queue`.
    """
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url.rstrip("/")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
    )
    if settings.telegram_webhook_url:
        builder = builder.updater(None)
    # Updates run concurrently (one officer's 20 MB upload must not hold up everyone else);
    # ChatLocks keeps each chat's own messages in order. PTB's own job queue is not used:
    # reminders belong to scheduler.service, which works the same for every channel.
    # A small pool: with PTB's default of 256 connections httpcore scans every idle one for
    # each request, which cost about half the CPU of an update (measured in bench/).
    application = (
        builder.concurrent_updates(True)
        .connection_pool_size(CONNECTION_POOL_SIZE)
        .job_queue(None)
        .build()
    )
    pacer = bot_pacer(get_engine(settings.database_url), settings, Channel.TELEGRAM)
    channel = TelegramChannel(handler, self_hosted=is_self_hosted(settings), pacer=pacer)
    application.add_handler(TypeHandler(Update, channel.on_update))
    application.add_error_handler(_on_error)
    return application


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling a Telegram update: %s", context.error)


STAFF_GLOBAL = ("help", "back", "cancel", "language")


def staff_menu(t: Translator) -> list[BotCommand]:
    """The board staff's commands, from the flows' own /help summaries, then the global ones."""
    from conversations.registry import default_registry

    commands = [
        BotCommand(flow.command, _capitalized(t(flow.summary)))
        for flow in default_registry()
        if flow.listed and Role.STAFF in flow.roles
    ]
    described = dict(MENU)
    return commands + [BotCommand(name, t(described[name])) for name in STAFF_GLOBAL]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:256]


async def set_commands(
    bot: TelegramBot, default_language: str, staff_chats: Sequence[str] = ()
) -> None:
    """The officers' menu in Vietnamese and English (and the board's language for everyone
    else); the staff menu in each bootstrap admin's private chat."""
    for language in (*LANGUAGES, None):
        t = Translator(language or default_language)
        commands = [BotCommand(name, t(description)) for name, description in MENU]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
    if not staff_chats:
        return
    staff_commands = staff_menu(Translator(default_language))
    for chat_id in staff_chats:
        try:
            await bot.set_my_commands(staff_commands, scope=BotCommandScopeChat(chat_id))
        except BadRequest as exc:  # the admin has not started the bot yet
            log.info("staff menu not set for chat %s: %s", chat_id, exc)


async def start_application(
    application: Application[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
) -> None:
    """Initialise, publish the command menu, then poll or register the webhook, then start
    processing updates. `webhook_url` set means webhook mode (the app has no Updater)."""
    await application.initialize()
    admins = [user for channel, user in settings.admins if channel == Channel.TELEGRAM]
    await set_commands(application.bot, settings.locale, admins)
    if webhook_url:
        await application.bot.set_webhook(
            url=webhook_url, secret_token=webhook_secret, allowed_updates=list(ALLOWED_UPDATES)
        )
        log.info("Telegram webhook registered")
    else:
        if application.updater is None:
            raise ValueError("this Telegram application was built for a webhook")
        await application.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        log.info("Telegram long polling started")
    await application.start()


async def stop_application(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop polling and processing, then close the HTTP pools; safe to call twice."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
