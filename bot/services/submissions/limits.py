"""The sizes and file types an item accepts."""

from __future__ import annotations

MAX_FILE_SIZE = 20 * 1024 * 1024

MAX_ATTACHMENTS = 30

MAX_ENTRIES = 500

NAME_MAX = 255

NARRATIVE_MAX = 8000

REASON_MAX = 2048

DOCUMENT_NUMBER_MAX = 64

DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}

ACCEPTED_TYPES = DOCUMENT_TYPES | IMAGE_TYPES
