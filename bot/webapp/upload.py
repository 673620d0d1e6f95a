"""/u/<token>: the one-time upload page an officer opens from the chat.

GET shows the enterprise and the item the link is for and a form to pick (or drop) one
PDF / Word / Excel / image file; POST receives it. The file is checked (size, type by name
and by its first bytes) before anything is stored, then handed to the conversation engine as
an answer to the step the link was offered at (`Engine.relay_file`): the same step that takes
a file sent in the chat stores it, and its replies reach the chat through the outbox, in the
transaction that stores the file and spends the link. So the chat goes on exactly as if the
file had been sent there, once, and a page reloaded or posted twice changes nothing more.

A used, expired or unknown link gets a page saying so (in the contact's language) and
changes nothing; every upload and every refused attempt is in the audit log.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import N_, Translator
from bot.messaging import Incoming, IncomingFile, Reply, numbered
from bot.models import (
    Attachment,
    Campaign,
    Contact,
    ConversationState,
    Enterprise,
    Submission,
    UploadLink,
)
from bot.notifications.kinds import ChatReply
from bot.notifications.outbox import enqueue
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.campaigns import campaign_title
from bot.services.items import kind_label
from bot.services.web_links import (
    LinkState,
    find_upload_link,
    refuse_upload,
    use_upload_link,
)
from bot.settings import Settings
from bot.webapp.render import page
from conversations.engine import Engine, Relay, Relayed

log = logging.getLogger(__name__)

MAX_BYTES = subs.MAX_FILE_SIZE
FORM_OVERHEAD = 64 * 1024  # the multipart envelope around the file
ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"

# What a file of each accepted type starts with. A minimal check until the domain's own
# content check (file storage, issue 11) lands in `attach_file`; both then say no.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
WRONG_TYPE = N_(
    "Please send a PDF, Word (.docx) or Excel (.xlsx) file, or photos of the signed pages "
    "(JPEG or PNG)."
)
WRONG_CONTENT = N_(
    "The content of {name} is not what its name says ({kind}). Please choose the file "
    "itself again (save it again as PDF if needed)."
)
TOO_LARGE = N_("The file is larger than 20 MB. Please send a smaller file.")
EMPTY = N_("The file is empty; please send it again.")
NO_FILE = N_("Please choose a file first.")


@dataclass
class LinkView:
    """What the page shows about a valid link."""

    link: UploadLink
    contact: Contact
    enterprise: Enterprise | None
    submission: Submission
    campaign: Campaign | None
    item: str
    campaign_title: str
    due: str
    files: list[str]
    still_asked: bool


def _peer(request: Request) -> str:
    return request.client.host if request.client is not None else "?"


class _CopyFetcher:
    """Hands the engine the uploaded file as if a platform had delivered it."""

    def __init__(self, source: Path) -> None:
        self.source = source

    async def fetch(self, file: IncomingFile, destination: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, self.source, destination)


def content_ok(mime: str, head: bytes) -> bool:
    """Whether the file's first bytes fit its type."""
    return any(head.startswith(s) for s in SIGNATURES.get(mime, ()))


def chat_text(replies: list[Reply]) -> str:
    """The engine's replies as one chat message: choices as numbered lines (the officer
    answers with the number, which the engine maps to the choice on every channel)."""
    return "\n\n".join(numbered(r.text, r.choices) for r in replies if r.text)


def routes(
    settings: Settings, db: SAEngine, engine: Engine, clock: Callable[[], datetime]
) -> list[BaseRoute]:
    def translator(contact: Contact | None) -> Translator:
        return Translator(contact.language if contact is not None else settings.locale)

    def view(token: str) -> tuple[LinkState, LinkView | None, Contact | None]:
        now = clock()
        with Session(db) as session:
            link, state = find_upload_link(session, token, now)
            contact = session.get(Contact, link.contact_id) if link is not None else None
            if link is None or state != LinkState.VALID or contact is None:
                return state, None, contact
            submission = session.get(Submission, link.submission_id)
            if submission is None:
                return LinkState.UNKNOWN, None, contact
            t = translator(contact)
            campaign = session.get(Campaign, submission.campaign_id)
            deadline = subs.deadline_for(session, submission.campaign_id, submission.kind)
            conversation = session.get(ConversationState, contact.id)
            still = (
                conversation is not None
                and (conversation.flow, conversation.step) == (link.flow, link.step)
                and conversation.expires_at > now
            )
            return (
                state,
                LinkView(
                    link=link,
                    contact=contact,
                    enterprise=session.get(Enterprise, submission.enterprise_id),
                    submission=submission,
                    campaign=campaign,
                    item=kind_label(t, submission.kind),
                    campaign_title=campaign_title(t, campaign) if campaign else "",
                    due=t.date(deadline.due_on) if deadline else "",
                    files=[a.file_name for a in subs.list_attachments(session, submission)],
                    still_asked=still,
                ),
                contact,
            )

    def refuse(token: str, state: str, peer: str, reason: str = "") -> None:
        now = clock()
        with Session(db) as session:
            link, _ = find_upload_link(session, token, now)
            refuse_upload(session, link, state, now, settings.tz, peer=peer, reason=reason)
            session.commit()

    def gone(t: Translator, state: LinkState) -> Response:
        status = 404 if state == LinkState.UNKNOWN else 410
        return page(t, "upload_gone.html", status, state=str(state))

    def form(t: Translator, found: LinkView, error: str = "", status: int = 200) -> Response:
        return page(
            t, "upload.html", status, v=found, error=error, accept=ACCEPT, max_mb=MAX_BYTES >> 20
        )

    async def show(request: Request) -> Response:
        token = request.path_params["token"]
        state, found, contact = await asyncio.to_thread(view, token)
        t = translator(contact)
        if found is None:
            return gone(t, state)
        if not found.still_asked:
            return page(t, "upload_moved.html", 409, v=found)
        return form(t, found)

    async def receive(request: Request) -> Response:
        token = request.path_params["token"]
        peer = _peer(request)
        state, found, contact = await asyncio.to_thread(view, token)
        t = translator(contact)
        if found is None:
            await asyncio.to_thread(refuse, token, str(state), peer)
            return gone(t, state)
        if not found.still_asked:
            await asyncio.to_thread(refuse, token, "moved", peer)
            return page(t, "upload_moved.html", 409, v=found)
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_BYTES + FORM_OVERHEAD:
            await asyncio.to_thread(refuse, token, "valid", peer, "too large")
            return form(t, found, t(TOO_LARGE), 413)
        async with request.form(max_files=1, max_fields=4) as data:
            upload = data.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                return form(t, found, t(NO_FILE), 422)
            return await _accept(t, token, found, upload, peer)

    async def _accept(
        t: Translator,
        token: str,
        found: LinkView,
        upload: UploadFile,
        peer: str,
    ) -> Response:
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        mime = subs.file_type(name, upload.content_type or "")
        staging = settings.files_dir / ".incoming"
        staging.mkdir(parents=True, exist_ok=True)
        held = staging / f"web-{found.link.id}-{hashlib.sha256(token.encode()).hexdigest()[:8]}"
        try:
            size, digest, head = await _spool(upload, held)
            problem: str | None = None
            if size == 0:
                problem = t(EMPTY)
            elif size > MAX_BYTES:
                problem = t(TOO_LARGE)
            elif mime is None:
                problem = t(WRONG_TYPE)
            elif not content_ok(mime, head):
                problem = t(WRONG_CONTENT, name=name, kind=name.rsplit(".", 1)[-1].upper())
            if problem is not None:
                await asyncio.to_thread(refuse, token, "valid", peer, problem)
                return form(t, found, problem, 422)
            outcome = await engine.relay_file(
                Incoming(
                    channel=found.contact.channel,
                    user_id=found.contact.user_id,
                    chat_id=found.contact.chat_id,
                    update_key=f"web-upload:{found.link.id}",
                    display_name=found.contact.display_name,
                    file=IncomingFile("web", name, mime or "", size),
                    language_hint=found.contact.language,
                ),
                _CopyFetcher(held),
                Relay(
                    found.link.flow,
                    found.link.step,
                    _spend(token, digest, name, size, peer),
                ),
            )
        finally:
            held.unlink(missing_ok=True)
        if outcome.result == Relayed.DONE:
            return page(t, "upload_done.html", v=found, name=name)
        if outcome.result == Relayed.REFUSED:
            reason = outcome.replies[0].text if outcome.replies else t(WRONG_TYPE)
            await asyncio.to_thread(refuse, token, "refused", peer, reason)
            return form(t, found, reason, 422)
        if outcome.result in (Relayed.MOVED, Relayed.DUPLICATE):
            state, again, _ = await asyncio.to_thread(view, token)
            if again is None:
                return gone(t, state)
            return page(t, "upload_moved.html", 409, v=found)
        return form(t, found, t("Sorry, something went wrong on our side. Please try again."), 500)

    def _spend(
        token: str, digest: str, name: str, size: int, peer: str
    ) -> Callable[[Session, Contact, list[Reply]], bool]:
        def commit(session: Session, contact: Contact, replies: list[Reply]) -> bool:
            now = clock()
            link, state = find_upload_link(session, token, now, for_update=True)
            if link is None or state != LinkState.VALID:
                return False
            attachment = session.exec(
                select(Attachment)
                .where(Attachment.submission_id == link.submission_id, Attachment.sha256 == digest)
                .order_by(col(Attachment.id).desc())
            ).first()
            assert contact.id is not None
            text = chat_text(replies)
            if text:
                reply_once = ChatReply(body=text, reference=f"upload:{link.id}")
                enqueue(session, reply_once, [contact.id], not_before=now, now=now)
            uploader = Act(
                now, settings.tz, link.contact_id, f"{contact.channel}:{contact.user_id}"
            )
            use_upload_link(
                session,
                link,
                uploader,
                attachment_id=attachment.id if attachment is not None else None,
                file_name=name,
                size=size,
                peer=peer,
            )
            return True

        return commit

    return [
        Route("/u/{token}", show, methods=["GET"]),
        Route("/u/{token}", receive, methods=["POST"]),
    ]


async def _spool(upload: UploadFile, target: Path) -> tuple[int, str, bytes]:
    """Copy the upload to `target`, stopping past the limit; its size, SHA-256 and head."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("wb") as out:
        while True:
            chunk = await upload.read(256 * 1024)
            if not chunk:
                break
            if not head:
                head = chunk[:16]
            size += len(chunk)
            if size > MAX_BYTES:
                break
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest(), head
