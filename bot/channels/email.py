"""E-mail, the channel of last resort: the outbox's Sender for enterprises with no chat account.

An enterprise that has not linked a Telegram or Zalo account has an e-mail `Contact`
(bot/services/enterprise_contacts.py) while its address is known; the outbox hands this
sender the same `Reply` a chat would get, and the same rules apply (rate limit, dedupe,
retries). The message is built with the standard library's `email` package: plain text and
an HTML alternative (links made clickable), a subject from the reply's first line (RFC 2047
encoded when it carries Vietnamese), the board as the sender's display name, a footer saying
how to link the chat instead, and the reply's document or photo attached.

SMTP answers become the outbox's outcomes: a recipient refused with a 5xx code is a bounce →
`Unreachable` (the contact is marked unreachable and listed for the office to phone); a 4xx,
a dropped connection or a timeout → `TransientError` (retried with back-off); anything else
permanent (a message the server will not take) → `SendError` (failed at once). Bounces that
arrive later as a delivery-status e-mail are not read: the office sees them in its mailbox.
"""

from __future__ import annotations

import asyncio
import html
import logging
import mimetypes
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.i18n import Translator
from bot.messaging import Reply, SendError, TransientError, Unreachable, numbered
from bot.services.chat_links import BotNames, board_for_address, email_footer
from bot.settings import Settings

log = logging.getLogger(__name__)

SUBJECT_MAX = 110
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over (SMTP_* settings)."""

    host: str
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    password: str | None = None
    from_address: str = ""
    from_name: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        if not settings.smtp_host or not settings.smtp_from:
            raise ValueError("SMTP_HOST and SMTP_FROM are both needed to send e-mail")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            from_address=settings.smtp_from,
            from_name=settings.smtp_from_name,
        )


@dataclass(frozen=True)
class Letterhead:
    """What the sender needs to know about a recipient: the board writing, and the footer."""

    board: str
    footer: str


def subject_of(text: str) -> str:
    """The reply's first non-empty line, shortened on a word boundary."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = first.strip("*_ ")
    if len(first) <= SUBJECT_MAX:
        return first
    cut = first[:SUBJECT_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def html_body(text: str, footer: str) -> str:
    """The text as HTML: the first line (the subject) in bold, escaped, line breaks kept, links
    clickable; the footer set apart."""

    def paragraphs(block: str) -> str:
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        return linked.replace("\n", "<br>\n")

    title, _, rest = text.strip("\n").partition("\n")
    body = f"<p><strong>{paragraphs(title)}</strong></p>\n"
    if rest.strip():
        body += f"<p>{paragraphs(rest.strip(chr(10)))}</p>\n"
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 14px; line-height: 1.5">\n'
        f"{body}"
        '<hr style="border: 0; border-top: 1px solid #ccc">\n'
        f'<p style="color: #555; font-size: 12px">{paragraphs(footer)}</p>\n'
        "</body></html>\n"
    )


def build_message(
    config: SmtpConfig, to: str, reply: Reply, letterhead: Letterhead
) -> EmailMessage:
    """The e-mail for one reply (plain text + HTML, attachments)."""
    text = numbered(reply.text, reply.choices)
    message = EmailMessage()
    domain = config.from_address.rpartition("@")[2] or None
    message["From"] = Address(
        display_name=config.from_name or letterhead.board, addr_spec=config.from_address
    )
    message["To"] = to
    message["Subject"] = subject_of(text) or letterhead.board
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{text}\n\n-- \n{letterhead.footer}\n")
    message.add_alternative(html_body(text, letterhead.footer), subtype="html")
    for path in (reply.document, reply.photo):
        if path is None:
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SendError(f"attachment unreadable: {path.name}: {exc}") from None
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return message


def database_letterhead(
    engine: Engine, settings: Settings, names: BotNames
) -> Callable[[str], Letterhead]:
    """The letterhead of an address from the database: its enterprise's board, the footer in
    the deployment's language naming the bot on each platform."""
    t = Translator(settings.locale)

    def letterhead(address: str) -> Letterhead:
        with Session(engine) as session:
            board = board_for_address(session, address)
        board = board or settings.smtp_from_name or "Thi đua Bot"
        return Letterhead(board=board, footer=email_footer(t, board, names))

    return letterhead


def build_email_sender(engine: Engine, settings: Settings, names: BotNames) -> EmailSender:
    """The Sender the server registers for Channel.EMAIL when SMTP is configured."""
    return EmailSender(
        SmtpConfig.from_settings(settings), database_letterhead(engine, settings, names)
    )


class EmailSender:
    """Sends a Reply to an e-mail address over SMTP (one connection per message).

    `letterhead(address)` names the board writing to that address and the footer (the
    server builds it from the database and the bot's chat names); the SMTP exchange runs in
    a worker thread so the dispatcher's event loop keeps going.
    """

    def __init__(self, config: SmtpConfig, letterhead: Callable[[str], Letterhead]) -> None:
        self.config = config
        self.letterhead = letterhead

    async def send(self, chat_id: str, reply: Reply) -> None:
        letterhead = await asyncio.to_thread(self.letterhead, chat_id)
        message = build_message(self.config, chat_id, reply, letterhead)
        await asyncio.to_thread(self._deliver, message, chat_id)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "ssl":
            return smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        if c.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def _deliver(self, message: EmailMessage, to: str) -> None:
        try:
            with self._connect() as smtp:
                if self.config.username:
                    smtp.login(self.config.username, self.config.password or "")
                smtp.send_message(message, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            said = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
            detail = f"{code} {said}"
            if code >= 500:
                raise Unreachable(f"address refused: {detail}") from None
            raise TransientError(f"address deferred: {detail}") from None
        except smtplib.SMTPResponseException as exc:
            error = exc.smtp_error
            said = error.decode(errors="replace") if isinstance(error, bytes) else error
            detail = f"{exc.smtp_code} {said}"
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                # Every message fails until the password is fixed: keep them, say it loudly.
                log.error("SMTP login refused: %s", detail)
                raise TransientError(f"SMTP login refused: {detail}") from None
            if exc.smtp_code >= 500:
                if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code in (550, 551, 553):
                    raise Unreachable(f"message refused for this address: {detail}") from None
                raise SendError(f"message refused: {detail}") from None
            raise TransientError(f"SMTP {detail}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP unavailable: {exc}") from None
