"""Storing a received file with an item: the one way every channel (chat, web upload) keeps
a file, so each rule holds everywhere.

- The content decides (filetypes.check_file): a fake or damaged file is refused before it is
  kept; a PDF's page count is recorded.
- The same content sent again is not stored again: one attachment, one file on disk.
- An enterprise's files together stay within settings.enterprise_files_quota_mb.
- Folders are created 0700 and files written 0600 (the service's user only).
- A file removed before it was ever part of a submission is deleted from disk; files that
  receipts refer to are kept. `prune_orphans` deletes files no attachment or receipt names
  and exports older than a day.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.i18n import N_
from bot.models import Attachment, Receipt, Submission
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.errors import InvalidFile
from bot.services.filetypes import EXTENSIONS, FileType, check_file, shown_name

INCOMING = ".incoming"
EXPORT_FOLDERS = ("exports", "charts")
EXPORT_MAX_AGE = timedelta(days=1)
DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class Stored:
    """A file kept with an item; `duplicate` when that content was already there."""

    attachment: Attachment
    type: FileType
    duplicate: bool = False


def safe_part(text: str) -> str:
    """A file or folder name part: letters, digits, '-', '_' and '.', nothing else."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip(".-")
    return cleaned[:80] or "file"


def ensure_dir(path: Path) -> Path:
    """Create `path` and each missing parent readable by the service's user only (0700)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def named_by_content(name: str, kind: FileType) -> str:
    """The name with the extension of what the file is ("scan.pdf" that is a JPEG is shown
    as "scan.jpg"; "anh.jpeg" stays)."""
    suffix = Path(name).suffix.lower()
    wanted = EXTENSIONS[kind.mime]
    if suffix == wanted or (wanted == ".jpg" and suffix == ".jpeg"):
        return name
    stem = (
        Path(name).stem if suffix in (".pdf", ".docx", ".xlsx", ".jpg", ".jpeg", ".png") else name
    )
    return f"{stem}{wanted}"


def enterprise_usage(session: Session, enterprise_id: int) -> int:
    """Bytes of the files of every item of the enterprise."""
    total = session.exec(
        select(func.coalesce(func.sum(Attachment.size), 0))
        .join(Submission, col(Submission.id) == col(Attachment.submission_id))
        .where(col(Submission.enterprise_id) == enterprise_id)
    ).one()
    return int(total or 0)


def store_file(
    session: Session,
    submission: Submission,
    staged: Path,
    file_name: str,
    folder: Path,
    act: Act,
    *,
    quota_bytes: int,
) -> Stored:
    """Check the staged file by content, keep it under `folder` and record it with the item.

    The staged file is moved only when it is kept; otherwise it stays where it is (the
    engine deletes what was staged, and tells a web upload it was refused when the file is
    still there). Raises InvalidFile (nothing kept) for a file that is not what it claims,
    too large, or beyond the enterprise's quota.
    """
    subs.ensure_editable(session, submission, act.now, tz=act.tz)
    kind = check_file(staged, file_name)
    size = staged.stat().st_size
    if size > subs.MAX_FILE_SIZE:
        raise InvalidFile(
            N_(
                "The file is {size} MB; the limit is 20 MB. Please send a smaller file "
                "(for example a PDF scanned at a lower resolution)."
            ),
            size=round(size / (1024 * 1024), 1),
        )
    digest = sha256_of(staged)
    for existing in subs.list_attachments(session, submission):
        if existing.sha256 == digest:
            return Stored(existing, kind, duplicate=True)
    if enterprise_usage(session, submission.enterprise_id) + size > quota_bytes:
        raise InvalidFile(
            N_(
                "The files of your enterprise already take the space the board allows "
                "({quota} MB). Remove a file you no longer need, or send a smaller one."
            ),
            quota=quota_bytes // (1024 * 1024),
        )
    name = named_by_content(shown_name(file_name) or "file", kind)
    ensure_dir(folder)
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    target = folder / f"{submission.kind}-{uuid.uuid4().hex[:8]}-{safe_part(stem)}{suffix}"
    shutil.move(str(staged), target)
    os.chmod(target, FILE_MODE)
    try:
        attachment = subs.attach_file(
            session,
            submission,
            name,
            kind.mime,
            size,
            str(target),
            digest,
            act,
            pages=kind.pages,
        )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return Stored(attachment, kind)


def _in_a_receipt(session: Session, path: str) -> bool:
    """Whether a receipt's snapshot names the file (then it is proof and is kept)."""
    for snapshot in session.exec(select(Receipt.snapshot)).all():
        for item in (snapshot or {}).get("attachments", []) or []:
            if isinstance(item, dict) and item.get("path") == path:
                return True
    return False


def remove_file(
    session: Session,
    submission: Submission,
    attachment_id: int,
    act: Act,
) -> Attachment:
    """Detach a file from the item; delete it from disk unless a receipt refers to it."""
    attachment = subs.remove_attachment(session, submission, attachment_id, act)
    path = attachment.path
    still_used = session.exec(select(Attachment.id).where(Attachment.path == path)).first()
    if still_used is None and not _in_a_receipt(session, path):
        Path(path).unlink(missing_ok=True)
    return attachment


def prune_orphans(session: Session, files_dir: Path, now: datetime) -> list[Path]:
    """Delete files under `files_dir` that no attachment or receipt names (left by a crash
    between storing and recording), staged files and exports older than a day. Returns what
    was deleted."""
    if not files_dir.is_dir():
        return []
    known = set(session.exec(select(Attachment.path)).all())
    for snapshot in session.exec(select(Receipt.snapshot)).all():
        for item in (snapshot or {}).get("attachments", []) or []:
            if isinstance(item, dict) and item.get("path"):
                known.add(str(item["path"]))
    known_resolved = {str(Path(p).resolve()) for p in known}
    cutoff = (now - EXPORT_MAX_AGE).timestamp()
    removed: list[Path] = []
    for path in files_dir.rglob("*"):
        if not path.is_file():
            continue
        top = path.relative_to(files_dir).parts[0]
        old = path.stat().st_mtime < cutoff
        if top in (*EXPORT_FOLDERS, INCOMING, "broadcasts"):
            if old and top != "broadcasts":
                path.unlink(missing_ok=True)
                removed.append(path)
            continue
        if old and str(path.resolve()) not in known_resolved:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
