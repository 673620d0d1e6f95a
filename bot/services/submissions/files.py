"""Files attached to an item: accepted types, sizes, storing and removing them."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import PurePosixPath

from sqlmodel import Session

from bot.i18n import N_
from bot.models.submission import (
    Attachment,
    Submission,
)
from bot.services.acts import Act
from bot.services.dumps import Dump
from bot.services.errors import (
    InvalidFile,
)
from bot.services.filetypes import shown_name
from bot.services.submissions.limits import ACCEPTED_TYPES, MAX_ATTACHMENTS, MAX_FILE_SIZE, NAME_MAX
from bot.services.submissions.locking import (
    Parts,
    _audit_item,
    _begin_change,
    ensure_editable,
)


def file_type(file_name: str, mime_type: str) -> str | None:
    """The accepted MIME type of a file (by extension, else by the platform's MIME type)."""
    suffix = PurePosixPath(file_name.lower()).suffix
    if suffix in ACCEPTED_TYPES:
        return ACCEPTED_TYPES[suffix]
    mime = (mime_type or "").split(";")[0].strip().lower()
    if not suffix and mime in ACCEPTED_TYPES.values():
        return mime
    return None


def attach_file(
    session: Session,
    submission: Submission,
    file_name: str,
    mime_type: str,
    size: int,
    path: str,
    sha256: str,
    act: Act,
    *,
    pages: int | None = None,
) -> Attachment:
    """Record a file received in the chat (already stored at `path`; attachments.store_file
    checks its content and stores it, then calls this).

    PDF, DOCX, XLSX, or JPEG/PNG photos (Zalo sends pages as photos); at most 20 MB and 30
    files per item. The same content (sha256) sent twice is recorded once.
    """
    ensure_editable(session, submission, act.now, tz=act.tz)
    name = shown_name(file_name)
    checked = mime_type if mime_type in ACCEPTED_TYPES.values() else None
    mime = checked or file_type(name, mime_type)
    if mime is None:
        raise InvalidFile(
            N_(
                "Please send a PDF, Word (.docx) or Excel (.xlsx) file, or photos of the "
                "signed pages (JPEG or PNG)."
            )
        )
    if size <= 0:
        raise InvalidFile(N_("The file is empty; please send it again."))
    if size > MAX_FILE_SIZE:
        raise InvalidFile(
            N_(
                "The file is {size} MB; the limit is 20 MB. Please send a smaller file "
                "(for example a PDF scanned at a lower resolution)."
            ),
            size=Decimal(size * 10 // (1024 * 1024)) / 10,
        )
    digest = (sha256 or "").strip().lower()
    if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("sha256 must be 64 hexadecimal characters")
    if not path or len(path) > 1024:
        raise ValueError("the stored path of an attachment is 1 to 1024 characters")
    existing = list_attachments(session, submission)
    if digest:
        for attachment in existing:
            if attachment.sha256 == digest:
                return attachment
    if len(existing) >= FILES.most:
        raise InvalidFile(FILES.too_many, max=FILES.most)
    _begin_change(session, submission, act)
    assert submission.id is not None
    attachment = Attachment(
        submission_id=submission.id,
        file_name=name[:NAME_MAX] or "file",
        mime_type=mime,
        size=size,
        path=path,
        sha256=digest,
        pages=pages,
        created_at=act.now,
    )
    session.add(attachment)
    session.flush()
    after = _attachment_dump(attachment)
    _audit_item(session, submission, "file.attach", None, after, act)
    return attachment


_attachment_dump = Dump(("id", "file_name", "mime_type", "size", "path", "sha256", "pages"))


FILES = Parts(
    Attachment,
    _attachment_dump,
    added="file.attach",
    removed="file.remove",
    most=MAX_ATTACHMENTS,
    too_many=N_("An item holds at most {max} files."),
    missing=N_("This file does not exist (any more)."),
)


remove_attachment = FILES.remove
"""Detach a file (the stored file itself is kept: receipts may refer to it); returns the
record detached."""

list_attachments = FILES.held
"""The item's files in the order they came."""
