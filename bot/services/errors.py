"""Errors raised by the domain services, translatable by whoever shows them.

Services never know who is reading (an officer on Zalo in Vietnamese, staff on Telegram in
English, the CLI), so an error carries an English msgid and its parameters instead of a
finished sentence. Callers render it for their user with `error.message(t)`, which also
formats dates and numbers the Vietnamese way (instants in the board's time zone) and
names titles in the reader's language.
`t(error.msgid, **error.params)` works too, but prints dates as ISO strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from bot.i18n import N_, Translator


@runtime_checkable
class Localized(Protocol):
    """A parameter that names itself differently per language (e.g. a title)."""

    def localize(self, language: str) -> str: ...


def render(t: Translator, msgid: str, params: Mapping[str, object]) -> str:
    """Translate `msgid` and fill its placeholders, formatting each value for `t`'s language."""
    formatted: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, Localized):
            formatted[key] = value.localize(t.language)
        elif isinstance(value, datetime):
            # Shown in the zone it carries: the raiser hands a local time (or, as every
            # rule does today, a date); rendering reads no settings.
            formatted[key] = t.datetime(value)
        elif isinstance(value, date):
            formatted[key] = t.date(value)
        elif isinstance(value, Decimal):
            formatted[key] = t.number(value, digits=6)
        else:
            formatted[key] = value
    return t(msgid, **formatted)


class DomainError(Exception):
    """A rule said no. `msgid` is English with `{name}` placeholders filled from `params`."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        plain = _Defaulting({k: _plain(v) for k, v in params.items()})
        super().__init__(msgid.format_map(plain))
        self.msgid = msgid
        self.params: dict[str, object] = dict(params)

    def message(self, t: Translator) -> str:
        """The error in `t`'s language."""
        return render(t, self.msgid, self.params)


class _Defaulting(dict[str, object]):
    """Placeholders without a parameter stay as written, so str(error) never fails."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _plain(value: object) -> object:
    return value.localize("en") if isinstance(value, Localized) else value


class InvalidInput(DomainError):
    """A value typed by a user does not fit (empty name, too long, wrong date...)."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not the caller's)."""


class InvalidNumber(InvalidInput):
    """A text could not be read as a number, or could be read in two ways."""


class InvalidFile(InvalidInput):
    """A file of a type or size the board does not accept."""


class WrongKind(DomainError):
    """An operation for one kind of submission was used on another kind."""


class SubmissionLocked(DomainError):
    """The deadline has passed or the item was accepted: nothing may change any more."""


class InvalidState(DomainError):
    """The operation does not apply to the item in its current state."""


class NotReviewable(InvalidState):
    """A review action on an item that is not waiting for review."""


class SubmissionIncomplete(DomainError):
    """Submitting was refused; `problems` lists everything still missing or wrong."""

    def __init__(self, problems: list[DomainError]) -> None:
        super().__init__(
            N_("The item cannot be submitted yet ({count} problems)."), count=len(problems)
        )
        self.problems = problems

    def message(self, t: Translator) -> str:
        lines = [t("The item cannot be submitted yet:")]
        lines += [f"- {problem.message(t)}" for problem in self.problems]
        return "\n".join(lines)
