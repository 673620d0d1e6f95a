"""The item vocabulary: what each kind of item an enterprise sends is called, everywhere.

One row per `DeadlineKind` — its name in lists and headings, the phrase used in running text
(reminders), its receipt prefix, the chat command that fills it in and the words staff may type
for it after /missing or /export. Every label, receipt number, command hint and item parser in
the bot reads this table, so a new kind of item (say, a commendation proposal) is one more row
here plus its enum value.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translator, fold
from bot.models.enums import DeadlineKind
from bot.services.errors import NotFound


@dataclass(frozen=True)
class ItemKind:
    """How one kind of item is named, numbered and asked for."""

    kind: DeadlineKind
    label: str
    """msgid: its name in lists, headings and file names ("Title registration")."""
    phrase: str
    """msgid: how a sentence names it ("the registration of emulation titles")."""
    receipt_prefix: str
    """The letters that start its receipt numbers (DK-2024-000012)."""
    command: str
    """The chat command (without the slash) an officer sends to fill it in."""
    words: tuple[str, ...]
    """What staff may type for it besides its code and its label: commands, short names, and
    the Vietnamese ones also without accents."""


# One row per kind: the kind, its receipt prefix (the initials of its Vietnamese word: phát
# động, PD), its chat command, the words staff may type for it (`_typed` adds each without
# accents), its label and its phrase.
_ROWS: tuple[tuple[DeadlineKind, str, str, tuple[str, ...], str, str], ...] = (
    (DeadlineKind.LAUNCH_DOCUMENT, "PD", "launch", ("launch", "phát động"),
     N_("Launch document"), N_("your unit's launch document for the emulation movement")),
    (DeadlineKind.TITLE_REGISTRATION, "DK", "register", ("register", "registration", "đăng ký"),
     N_("Title registration"), N_("the registration of emulation titles")),
    (DeadlineKind.YEAR_END_REPORT, "BC", "report", ("report", "báo cáo"),
     N_("Year-end report"), N_("the year-end emulation summary report")),
    # Officers send it in the chat like the year-end report: /report 6 (or plain /report while
    # it is owed and open; conversations/flows/report.py).
    (DeadlineKind.SIX_MONTH_REPORT, "SK", "report 6", ("six_month", "sơ kết"),
     N_("Six-month report"), N_("the six-month emulation report")),
    (DeadlineKind.COMMENDATION_PROPOSAL, "DN", "propose", ("propose", "proposal", "đề nghị"),
     N_("Commendation proposal"), N_("the commendation proposal for the year")),
)  # fmt: skip


def _typed(words: tuple[str, ...]) -> tuple[str, ...]:
    """`words` and each one as typed without accents or spaces ("đăng ký" -> "dangky"): how
    officers write on a keyboard without Vietnamese input."""
    return tuple(dict.fromkeys((*words, *(fold(word).replace(" ", "") for word in words))))


ITEM_KINDS: dict[DeadlineKind, ItemKind] = {
    kind: ItemKind(
        kind,
        label=label,
        phrase=phrase,
        receipt_prefix=prefix,
        command=command,
        words=_typed(words),
    )
    for kind, prefix, command, words, label, phrase in _ROWS
}


def item_kind(kind: DeadlineKind | str) -> ItemKind:
    """The row of `kind` (a `DeadlineKind` or its code); ValueError for an unknown code."""
    return ITEM_KINDS[DeadlineKind(kind)]


def kind_label(t: Translator, kind: DeadlineKind | str) -> str:
    """What an item is called in `t`'s language (Title registration, Year-end report...).

    An unknown code is shown as it is rather than failing a whole listing.
    """
    try:
        return t(item_kind(kind).label)
    except ValueError:
        return str(kind)


def kind_phrase(t: Translator, kind: DeadlineKind | str) -> str:
    """How a sentence names the item ("the registration of emulation titles")."""
    return t(item_kind(kind).phrase)


def kind_command(kind: DeadlineKind | str) -> str:
    """The chat command, without the slash, that fills in the item."""
    return item_kind(kind).command


def receipt_prefix(kind: DeadlineKind | str) -> str:
    return item_kind(kind).receipt_prefix


@dataclass(frozen=True)
class KindName:
    """A deadline kind as an error parameter: it names itself in the reader's language."""

    kind: str

    def localize(self, language: str) -> str:
        return kind_label(Translator(language), self.kind)

    def __str__(self) -> str:
        return self.localize("en")


def parse_kind(value: str) -> DeadlineKind:
    """A deadline kind from its code, or a clear refusal listing the known ones."""
    try:
        return DeadlineKind(value)
    except ValueError:
        raise NotFound(
            N_("Unknown item {kind}; expected one of: {known}."),
            kind=value,
            known=", ".join(k.value for k in DeadlineKind),
        ) from None


def parse_kind_word(text: str) -> DeadlineKind | None:
    """An item from what staff type: its code, a command (register), a word or its label.

    Case, extra spaces and a leading slash do not matter; labels match in Vietnamese and
    English. None when nothing matches.
    """
    word = " ".join(text.casefold().split()).lstrip("/")
    if not word:
        return None
    try:
        return DeadlineKind(word)
    except ValueError:
        pass
    for item in ITEM_KINDS.values():
        if word in item.words:
            return item.kind
    for item in ITEM_KINDS.values():
        for language in ("vi", "en"):
            if Translator(language)(item.label).casefold() == word:
                return item.kind
    return None
