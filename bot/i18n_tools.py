"""Maintain the gettext catalogs: `python -m bot.i18n_tools update|missing|fill|check`.

`update` extracts every `_()`/`t()` string into locales/messages.pot and merges it into each
language's .po (English, the source language, gets msgstr = msgid for new entries).
`missing LANG` prints untranslated msgids as JSON; `fill LANG FILE.json` writes translations
from a {msgid: msgstr} mapping. Edits take a file lock so parallel runs never clobber each other.
"""

from __future__ import annotations

import fcntl
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALES_DIR

ROOT = LOCALES_DIR.parent
SOURCES = ("bot", "conversations", "scheduler")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Np_": (1, 2), "t": None}


@contextmanager
def _locked() -> Iterator[None]:
    LOCALES_DIR.mkdir(exist_ok=True)
    with (LOCALES_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(language: str) -> Catalog:
    path = _po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="thidua-bot")
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def _write(language: str, catalog: Catalog) -> None:
    path = _po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True, no_location=True)


def extract() -> Catalog:
    template = Catalog(project="thidua-bot", domain=DOMAIN)
    for source in SOURCES:
        # The web pages' templates call the same `t(...)` (bot/webapp/templates).
        method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
        for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT / source),
            method_map=method_map,
            options_map={"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
            keywords=KEYWORDS,
        ):
            template.add(
                message,
                locations=[(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    # The CLI's --help texts are plain strings (click reads docstrings and help=); they are
    # taken from the command tree itself and translated at run time (bot/cli/localised.py).
    from bot.cli import cli
    from bot.cli.localised import help_texts

    for text in help_texts(cli):
        template.add(text, locations=[("bot/cli", 0)])
    return template


def update() -> None:
    with _locked():
        template = extract()
        with (LOCALES_DIR / "messages.pot").open("wb") as fh:
            write_po(fh, template, width=100, sort_output=True, no_location=True)
        for language in LANGUAGES:
            catalog = _read(language)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            if language == "en":
                for message in catalog:
                    if message.id and not _translated(message.string):
                        message.string = message.id
            _write(language, catalog)


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(bool(s) for s in string)
    return bool(string)


def missing(language: str) -> dict[str, str]:
    template = extract()
    catalog = _read(language)
    result: dict[str, str] = {}
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        found = catalog.get(message.id)
        if found is None or not _translated(found.string):
            result[key] = ""
    return result


def fill(language: str, mapping: dict[str, str | list[str]]) -> None:
    with _locked():
        catalog = _read(language)
        for message in catalog:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in mapping:
                value = mapping[key]
                message.string = tuple(value) if isinstance(value, list) else value
        _write(language, catalog)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    verb, rest = argv[0], argv[1:]
    if verb == "update":
        update()
    elif verb == "missing":
        print(json.dumps(missing(rest[0]), ensure_ascii=False, indent=1))
    elif verb == "fill":
        fill(rest[0], json.loads(Path(rest[1]).read_text(encoding="utf-8")))
    elif verb == "check":
        gaps = {lang: sorted(missing(lang)) for lang in LANGUAGES}
        if any(gaps.values()):
            print(json.dumps(gaps, ensure_ascii=False, indent=1))
            return 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
