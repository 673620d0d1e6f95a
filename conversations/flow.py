"""The building blocks of a conversation: a Flow is a set of named Steps.

Each Step has a `prompt` (the question, with optional choices) and a `handle` function that
reads the answer and returns an Outcome: go to another step, finish, or ask again. A handler
that finds the answer unusable raises `Invalid` (or lets a service's `DomainError` through);
the engine then rolls back anything the handler wrote, explains what is expected in the
user's language and asks the same step again, so an invalid answer never changes data.

Working data of a flow lives in `Ctx.data` (saved in ConversationState with the step).
Flows that collect many answers write validated answers straight into the enterprise's
*draft* (the status shows it as a draft) and only submit on an explicit confirmation, so a
conversation that expires or is cancelled never leaves anything half-submitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.i18n import Translator
from bot.messaging import Choice, Reply
from bot.models import Contact, Role
from bot.models.enums import Channel
from bot.services.acts import Act
from bot.settings import Settings

OFFICER_ROLES = frozenset({Role.OFFICER})
STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.CLUSTER_LEADER})
EVERYONE = frozenset(Role)


class Invalid(Exception):
    """The answer does not fit the step; `message` (already translated) says what is expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Stop(Exception):
    """End the flow at once with `replies` (raised from a prompt or a handler).

    For when the flow cannot go on, e.g. the deadline passed while the officer was typing:
    whatever the handler wrote is rolled back and the conversation state is dropped.
    """

    def __init__(self, *replies: Reply) -> None:
        super().__init__("flow stopped")
        self.replies = replies


@dataclass(frozen=True)
class StagedFile:
    """A file the user sent, already downloaded to a temporary place under files_dir.

    A step that keeps it moves it to its final place; the engine deletes whatever is left.
    """

    path: Path
    file_name: str
    mime_type: str
    size: int
    is_photo: bool = False


@dataclass(frozen=True)
class Answer:
    """What the user answered: free text, a choice key (button or typed number), or a file."""

    text: str = ""
    choice: str | None = None
    file: StagedFile | None = None
    file_error: str | None = None


@dataclass
class Ctx:
    """Everything a step may use. Services get `session`; nothing here knows the channel API."""

    session: Session
    contact: Contact
    t: Translator
    settings: Settings
    now: datetime
    channel: Channel
    data: dict[str, Any] = field(default_factory=dict)
    # Per-message memo for helpers (not saved): one message is one instant and one transaction.
    cache: dict[str, Any] = field(default_factory=dict)
    # The engine's: a domain error (or Stop) the step raised in an earlier, rolled-back
    # attempt at this update; the step is then not run again, the error is answered
    # (engine._run).
    refused: BaseException | None = None

    @property
    def today(self) -> date:
        """Today in the board's time zone (deadlines are local dates)."""
        return self.now.astimezone(self.settings.tz).date()

    @property
    def act(self) -> Act:
        """This message's moment, in the board's zone, by the contact who sent it (how the
        audit log names them: "telegram:42"): what a service that changes something takes."""
        return Act(
            self.now,
            self.settings.tz,
            self.contact.id,
            f"{self.contact.channel}:{self.contact.user_id}",
        )


@dataclass(frozen=True)
class Goto:
    """Move to `step` (remembering the current one for /back) and ask its question.

    `reset=True` forgets the way back (after something was saved, /back must not walk into
    the questions that produced it).
    """

    step: str
    replies: tuple[Reply, ...] = ()
    remember: bool = True
    reset: bool = False


@dataclass(frozen=True)
class Finish:
    """End the flow; the conversation state is dropped."""

    replies: tuple[Reply, ...] = ()


@dataclass(frozen=True)
class Again:
    """Stay on the current step and ask it again after `replies` (e.g. after adding a page)."""

    replies: tuple[Reply, ...] = ()


Outcome = Goto | Finish | Again
Prompt = Callable[[Ctx], Reply | list[Reply]]
Handler = Callable[[Ctx, Answer], Outcome]
Begin = Callable[[Ctx, str], Outcome]


@dataclass(frozen=True)
class Step:
    """One question of a flow.

    `numbered=False` stops the engine from reading a typed number as "choice N" (for steps
    that ask for a figure, where "2" is a value); buttons still work there.
    `search=True` marks a step whose typed text is a query (a tax code or part of a name):
    only a label typed whole picks a choice there, never the beginning of one.
    """

    prompt: Prompt
    handle: Handler
    accepts_file: bool = False
    numbered: bool = True
    search: bool = False


@dataclass(frozen=True)
class Flow:
    """A command and its steps. `begin` runs when the command is typed (with its arguments)."""

    command: str
    summary: str  # an N_() msgid shown by /help
    steps: Mapping[str, Step]
    begin: Begin
    roles: frozenset[Role] = OFFICER_ROLES
    needs_enterprise: bool = True
    listed: bool = True


def reply(text: str, choices: list[Choice] | tuple[Choice, ...] = ()) -> Reply:
    """A Reply with choices given as a list or tuple."""
    return Reply(text=text, choices=tuple(choices))


def as_replies(value: Reply | list[Reply]) -> list[Reply]:
    return [value] if isinstance(value, Reply) else list(value)
