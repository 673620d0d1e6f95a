"""A campaign's whole plan as a TOML file the board office edits: export, check, import.

The file is `bot.services.plan_edits.CampaignSpec` written out, with comments (in the
reader's language) saying what each field means. Dates are written "dd/mm/yyyy" in quotes,
as the office writes them; an ISO date (2027-04-15, TOML's own) is read too.

A section or field left out of the file keeps what the campaign has: a file holding only
`targets_year` and its `[[targets]]` changes the targets alone. To empty a list, write it
empty (`days = []`).

Reading checks everything first and names every problem by line and field (`FileError`);
`plan_edits` then checks the plan as a whole (dates in the campaign and their phase, one
deadline per item, founding years before the campaign's year…) and those problems are
named by line and field too. Nothing is applied while any is left.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel import Session

from bot.i18n import N_, Translator
from bot.models import Campaign, DeadlineKind, LatePolicy
from bot.services.dates import read_date
from bot.services.errors import InvalidInput, render
from bot.services.plan_edits import CampaignSpec, Loc, SpecError, check, spec_of
from bot.services.templates import Qualifier

SECTIONS = ("phases", "deadlines", "days", "targets", "awards")
TOP = ("title", "title_en", "theme", "theme_en", "targets_year", "targets_confirmed")
DATE_FIELDS = {"phases": ("start", "end"), "deadlines": ("due",), "days": ("date",)}
# The file says `date` where the spec says `on` (a commemoration day's date).
FILE_NAMES = {("days", "on"): "date"}
ENUMS: dict[str, tuple[str, ...]] = {
    "kind": tuple(k.value for k in DeadlineKind),
    "late": tuple(p.value for p in LatePolicy),
    "qualifier": tuple(q.value for q in Qualifier),
}
SPEC_NAMES = {("days", "date"): "on"}
# Written even when empty, so the office sees where they go.
REQUIRED = frozenset({("phases", "name"), ("days", "name"), ("targets", "label")})


@dataclass(frozen=True)
class FileError:
    """One problem in the file: where (line, field) and what (an msgid and its parameters)."""

    line: int
    field: str
    problem: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)

    def message(self, t: Translator) -> str:
        return t(
            "line {line}, {field}: {problem}",
            line=self.line,
            field=self.field,
            problem=render(t, self.problem, self.params),
        )

    def __str__(self) -> str:
        return self.message(Translator("en"))


class CampaignFileInvalid(Exception):
    """The file has problems; `errors` names each, in the order of the file."""

    def __init__(self, errors: Sequence[FileError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.line, e.field))
        super().__init__("\n".join(str(e) for e in self.errors))


# ------------------------------------------------------------------------ writing


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return f'"{value:%d/%m/%Y}"'
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _comment(t: Translator, msgid: str, **params: object) -> list[str]:
    return ["# " + line for line in t(msgid, **params).splitlines()]


def export_text(session: Session, campaign: Campaign, t: Translator) -> str:
    """The campaign's plan as the file the office edits (comments in `t`'s language)."""
    spec = spec_of(session, campaign)
    kinds = ", ".join(k.value for k in DeadlineKind)
    lines = [
        *_comment(
            t,
            N_(
                "The plan of campaign #{id} ({year}). Edit it, then check it with\n"
                "  thidua campaign import --campaign {id} --dry-run FILE\n"
                "and apply it without --dry-run. Lines starting with # are notes.\n"
                'Dates are written "dd/mm/yyyy" in quotes, e.g. "15/04/{year}".\n'
                "A field or section left out keeps what the campaign has; an empty list, written\n"
                "before the first [[…]] (days = []), removes them all."
            ),
            id=campaign.id,
            year=campaign.year,
        ),
        "",
        *_comment(
            t, N_("Name and theme of the campaign (_en: in English; empty: the Vietnamese).")
        ),
    ]
    for name in ("title", "title_en", "theme", "theme_en"):
        lines.append(f"{name} = {_toml(getattr(spec, name))}")
    lines += [
        "",
        *_comment(
            t,
            N_(
                "The year the targets were set for, and whether the board has confirmed them as "
                "this year's\n(targets copied from last year's campaign are not, until it does: "
                "true)."
            ),
        ),
        f"targets_year = {spec.targets_year or campaign.year}",
        f"targets_confirmed = {_toml(spec.targets_confirmed)}",
    ]
    fields = {
        "phases": (
            "number", "name", "name_en", "start", "end", "call", "call_en", "review", "review_en",
        ),
        "deadlines": ("kind", "due", "late", "reminders"),
        "days": ("on", "name", "name_en", "founded", "phase", "prompt"),
        "targets": (
            "key", "label", "label_en", "value", "value_max", "unit", "unit_en", "growth",
            "qualifier",
        ),
        "awards": ("key", "value", "label", "label_en"),
    }  # fmt: skip
    notes = {
        "phases": _comment(
            t,
            N_(
                "Phases (đợt thi đua): number, name, start and end date, call (the call to "
                "emulate),\nreview (the name of its review, e.g. sơ kết)."
            ),
        ),
        "deadlines": _comment(
            t,
            N_(
                "Deadlines: kind (what is due: {kinds}),\ndue (the date), "
                'late = "lock" (closed after the due date) or "accept_late" (still accepted, '
                "marked late),\nreminders: days before the due date to remind on; negative: "
                "working days after it."
            ),
            kinds=kinds,
        ),
        "days": _comment(
            t,
            N_(
                "Commemoration days: date, name, founded (the year it began, for the "
                "anniversary number;\nleave it out for none), phase (its phase's number), "
                "prompt = false: enterprises get no prompt for it."
            ),
        ),
        "targets": _comment(
            t,
            N_(
                "Targets (chỉ tiêu): key (letters, digits, _), label, value, unit;\n"
                'qualifier = "exact", "about" (khoảng), "at_least" (từ … trở lên) or "at_most" '
                "(không quá);\nvalue_max for a range (25000 to 30000); growth = 19.3 for "
                '"tăng 19,3%". Numbers without thousands separators: 540000, 1.5.'
            ),
        ),
        "awards": _comment(
            t,
            N_(
                "Award targets: key (e.g. flag_enterprises, merit_collectives, "
                "merit_individuals), value (the number of proposals aimed at)."
            ),
        ),
    }
    # A list written empty must come before the first [[table]] (TOML would read it as a
    # field of that table), so the empty ones come first.
    empty = [section for section in SECTIONS if not getattr(spec, section)]
    for section in empty:
        lines += ["", *notes[section], f"{section} = []"]
        if section == "targets":
            lines += [
                *_comment(t, N_("For example (remove targets = [] above and the # below):")),
                "# [[targets]]",
                '# key = "investment"',
                '# label = "Tổng thu hút vốn đầu tư"',
                "# value = 1.5",
                '# unit = "tỷ USD"',
                '# qualifier = "about"',
            ]
    for section in SECTIONS:
        if section in empty:
            continue
        lines += ["", *notes[section]]
        for entry in getattr(spec, section):
            lines += ["", f"[[{section}]]"]
            for name in fields[section]:
                value = getattr(entry, name)
                if value is None or (value == "" and (section, name) not in REQUIRED):
                    continue
                if isinstance(value, LatePolicy | Qualifier | DeadlineKind):
                    value = value.value
                lines.append(f"{FILE_NAMES.get((section, name), name)} = {_toml(value)}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ reading


@dataclass
class _Lines:
    """Where each top-level field, each [[section]] table and each of its fields starts."""

    top: dict[str, int]
    tables: dict[str, list[int]]
    fields: dict[tuple[str, int, str], int]

    @classmethod
    def of(cls, text: str) -> _Lines:
        top: dict[str, int] = {}
        tables: dict[str, list[int]] = {}
        fields: dict[tuple[str, int, str], int] = {}
        section: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            header = re.match(r"^\[\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*\]\]", line)
            if header is not None:
                section = header.group(1)
                tables.setdefault(section, []).append(number)
                continue
            match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
            if match is None:
                continue
            if section is None:
                top.setdefault(match.group(1), number)
            else:
                index = len(tables[section]) - 1
                fields.setdefault((section, index, match.group(1)), number)
        return cls(top, tables, fields)

    def at(self, loc: Loc) -> tuple[int, str]:
        """The line and the file's field name of a place in the spec."""
        section = str(loc[0]) if loc else "file"
        if len(loc) >= 3 and isinstance(loc[1], int):
            index, name = loc[1], str(loc[2])
            name = FILE_NAMES.get((section, name), name)
            starts = self.tables.get(section, [])
            start = starts[index] if index < len(starts) else self.top.get(section, 1)
            return self.fields.get((section, index, name), start), name
        if len(loc) == 2 and isinstance(loc[1], int):
            starts = self.tables.get(section, [])
            return (starts[loc[1]] if loc[1] < len(starts) else 1), section
        if section in self.tables:
            return self.tables[section][0], section
        return self.top.get(section, 1), section


_PYDANTIC = {
    "missing": N_("is required"),
    "extra_forbidden": N_("unknown field"),
    "string_type": N_('must be text in quotes, e.g. "…"'),
    "string_too_long": N_("text of at most {max} characters"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_type": N_("must be a number (540000 or 19.3)"),
    "float_parsing": N_("must be a number (540000 or 19.3)"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "enum": N_("one of {allowed}"),
    "tuple_type": N_("must be a list in brackets, e.g. [14, 7, 3]"),
    "model_type": N_("must be a table of fields"),
}


def _pydantic_error(error: ErrorDetails) -> SpecError:
    loc: Loc = tuple(error["loc"])
    section = loc[0] if loc else ""
    # A field is 1 long at the top, 3 long in a section; what follows names a union's member.
    keep = 3 if section in SECTIONS and len(loc) >= 3 else (2 if section in SECTIONS else 1)
    where, tail = loc[:keep], loc[keep:]
    kind = error["type"]
    context = error.get("ctx") or {}
    if tail and kind in {"int_type", "float_type", "int_parsing", "float_parsing"}:
        kind = "float_type"  # a number field (int | float): one message, not two
    if kind == "tuple_type" and len(where) <= 1 and section in SECTIONS:
        return SpecError(where, N_("must be [[{section}]] tables"), {"section": section})
    if kind == "model_type" and section in SECTIONS:
        return SpecError(where, N_("must be a [[{section}]] table"), {"section": section})
    if kind == "string_too_long":
        return SpecError(where, _PYDANTIC[kind], {"max": context.get("max_length", "")})
    if kind == "enum":
        allowed = ENUMS.get(str(where[-1]), ())
        return SpecError(where, _PYDANTIC[kind], {"allowed": ", ".join(allowed)})
    return SpecError(where, _PYDANTIC.get(kind, N_("is not valid")))


def _dates(data: dict[str, Any], lines: _Lines) -> tuple[list[FileError], set[Loc]]:
    """Turn the file's dates ("15/04/2027" or 2027-04-15) into dates, in place; the
    problems, and where they are (not to be named twice)."""
    errors = []
    failed: set[Loc] = set()
    for section, names in DATE_FIELDS.items():
        entries = data.get(section)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            for name in names:
                value = entry.get(name)
                if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
                    continue
                line, _ = lines.at((section, index, name))
                failed.add((section, index, SPEC_NAMES.get((section, name), name)))
                if not isinstance(value, str):
                    errors.append(
                        FileError(line, name, N_('must be a date in quotes, e.g. "15/04/2027"'))
                    )
                    continue
                try:
                    entry[name] = read_date(value, "15/04/2027", iso=True)
                    failed.discard((section, index, SPEC_NAMES.get((section, name), name)))
                except InvalidInput as exc:
                    errors.append(FileError(line, name, exc.msgid, exc.params))
    return errors, failed


def parse(text: str, base: CampaignSpec) -> CampaignSpec:
    """The plan a file describes, over `base` for what it leaves out; CampaignFileInvalid
    names every problem of its form (the plan's own rules are `read`'s)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise CampaignFileInvalid(
            [
                FileError(
                    int(match.group(1)) if match else 1,
                    "file",
                    N_("not valid TOML ({error})"),
                    {"error": str(exc)},
                )
            ]
        ) from None
    lines = _Lines.of(text)
    errors, failed = _dates(data, lines)
    days = data.get("days")
    for index, entry in enumerate(days if isinstance(days, list) else []):
        if not isinstance(entry, dict):
            continue
        if "on" in entry:  # the spec's name, not the file's
            errors.append(
                FileError(
                    lines.fields.get(("days", index, "on"), lines.at(("days", index))[0]),
                    "on",
                    N_("unknown field"),
                )
            )
            del entry["on"]
        if "date" in entry:
            entry["on"] = entry.pop("date")
    merged = {**base.model_dump(), **data}
    try:
        spec = CampaignSpec.model_validate(merged)
    except ValidationError as exc:
        seen: set[Loc] = set()
        for error in exc.errors():
            spec_error = _pydantic_error(error)
            if spec_error.loc in seen or spec_error.loc in failed:
                continue
            seen.add(spec_error.loc)
            line, name = lines.at(spec_error.loc)
            errors.append(FileError(line, name, spec_error.msgid, spec_error.params))
        raise CampaignFileInvalid(errors) from None
    if errors:
        raise CampaignFileInvalid(errors)
    return spec


def read(session: Session, campaign: Campaign, text: str, today: date) -> CampaignSpec:
    """The plan of an edited file for this campaign, checked whole (on the board's local
    date `today`): CampaignFileInvalid names every problem by line and field; nothing is
    applied by reading."""
    spec = parse(text, spec_of(session, campaign))
    problems = check(session, campaign, spec, today)
    if problems:
        lines = _Lines.of(text)
        errors = []
        for problem in problems:
            line, name = lines.at(problem.loc)
            errors.append(FileError(line, name, problem.msgid, problem.params))
        raise CampaignFileInvalid(errors)
    return spec
