"""The CLI in the office's language: `--help` texts and click's own messages follow
THIDUA_LOCALE (Vietnamese by default), like every other screen.

The commands keep their help in English in the source (the msgids); `LocalisedGroup.main`
translates the whole command tree for the language of this run before click parses anything.
Click's own words ("Usage:", "Error: Missing option …") come from click's modules calling
`gettext`/`ngettext`; those names are pointed at our catalogue, whose entries for them are
listed below so the extractor keeps them.
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import click

from bot.i18n import N_, normalize_language, translations


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction (click's ngettext messages)."""
    return singular, plural


# Click 8's own messages shown in normal use (click/core.py, exceptions.py, formatting.py,
# parser.py, decorators.py); the msgids must stay exactly as click writes them.
CLICK_MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing option"),
    N_("Missing argument"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("Missing {param_type}"),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Aborted!"),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("default: {default}"),
    N_("env var: {var}"),
)
CLICK_PLURALS = (
    Np_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    Np_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    Np_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
)
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")


def _source(obj: object, attribute: str) -> str | None:
    """The English text of `attribute`, even after `localise` translated it in place."""
    text = _SOURCE.get((id(obj), attribute), getattr(obj, attribute, None))
    return text if isinstance(text, str) else None


def help_texts(command: click.Command) -> Iterator[str]:
    """Every help text of `command` and below it (the msgids the extractor adds): the English
    sources, so an extraction after a Vietnamese run (tests) still finds the msgids."""
    for attribute in ("help", "short_help"):
        if text := _source(command, attribute):
            yield text
    for param in command.params:
        if text := _source(param, "help"):
            yield text
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from help_texts(sub)


# The English msgid of each translated attribute, keyed by (object id, attribute): a second
# run in another language (tests) translates from the source text again.
_SOURCE: dict[tuple[int, str], str] = {}


def _translate(obj: object, attribute: str, catalogue: gettext.NullTranslations) -> None:
    key = (id(obj), attribute)
    source = _SOURCE.get(key, getattr(obj, attribute, None))
    if not source:
        return
    _SOURCE[key] = source
    setattr(obj, attribute, catalogue.gettext(source))


def localise(command: click.Command, language: str | None) -> None:
    """Translate the command tree and click's own messages into `language`."""
    catalogue = translations(normalize_language(language))
    for name in _CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = catalogue.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext  # type: ignore[attr-defined]
    _localise_tree(command, catalogue)


def _localise_tree(command: click.Command, catalogue: gettext.NullTranslations) -> None:
    _translate(command, "help", catalogue)
    _translate(command, "short_help", catalogue)
    for param in command.params:
        if isinstance(param, click.Option):
            _translate(param, "help", catalogue)
    # Click builds `--help` on first use, with its text in the language of that run, and keeps
    # it (Command._help_option, click >= 8.1.8). Dropped here, it is built again through the
    # catalogue just installed: otherwise a process that ran the CLI in English first (tests)
    # showed "Show this message and exit." in every later Vietnamese run.
    command._help_option = None
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _localise_tree(sub, catalogue)


class LocalisedGroup(click.Group):
    """The root group: translates everything for THIDUA_LOCALE before click runs."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        localise(self, os.environ.get("THIDUA_LOCALE"))
        return super().main(args, *rest, **kwargs)
