"""A campaign's targets as a TOML file the board office edits: export, check, import.

The file holds `year` and one `[[targets]]` table per target, in the plan templates' words
(key, label, label_en, value, value_max, unit, unit_en, growth, qualifier). Importing checks
everything first and names every error by line and field; when anything is wrong nothing is
applied. A good file replaces the campaign's targets, confirmed, and is audited.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.i18n import N_, Translator
from bot.models import Campaign
from bot.services import audit
from bot.services.templates import Qualifier

FIELDS = (
    "key",
    "label",
    "label_en",
    "value",
    "value_max",
    "unit",
    "unit_en",
    "growth",
    "qualifier",
)
NUMBERS = ("value", "value_max", "growth")
TEXT_MAX = 255
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class FileError:
    """One problem in the file: where (line, field) and what (an msgid and its parameters)."""

    line: int
    field: str
    problem: str
    params: tuple[tuple[str, str], ...] = ()

    def message(self, t: Translator) -> str:
        return t(
            "line {line}, {field}: {problem}",
            line=self.line,
            field=self.field,
            problem=t(self.problem, **dict(self.params)),
        )

    def __str__(self) -> str:
        return self.message(Translator("en"))


class TargetsFileInvalid(Exception):
    def __init__(self, errors: list[FileError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def export_text(campaign: Campaign) -> str:
    """The campaign's targets as the file the office edits."""
    year = next((t.get("year") for t in campaign.targets if t.get("year")), None) or campaign.year
    lines = [
        f"# Targets (chỉ tiêu) of campaign #{campaign.id}: {campaign.title}",
        "# qualifier: exact, about (khoảng), at_least (từ … trở lên), at_most (không quá);",
        "# value_max makes a range (25.000–30.000); growth is the % over the previous year.",
        f"year = {year}",
    ]
    for target in campaign.targets:
        lines.append("")
        lines.append("[[targets]]")
        for field in FIELDS:
            value = target.get(field)
            if value is None or value == "" or (field == "qualifier" and value == "exact"):
                continue
            lines.append(f"{field} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _lines_of(text: str) -> tuple[list[int], dict[tuple[int, str], int], int | None]:
    """Where each [[targets]] table and each of its fields starts (1-based lines)."""
    tables: list[int] = []
    fields: dict[tuple[int, str], int] = {}
    year_line = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[[targets]]"):
            tables.append(number)
            continue
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if match is None:
            continue
        if not tables and match.group(1) == "year":
            year_line = number
        elif tables:
            fields.setdefault((len(tables) - 1, match.group(1)), number)
    return tables, fields, year_line


def parse(text: str, campaign_year: int) -> tuple[int, list[dict[str, Any]]]:
    """The year and the targets of a file; TargetsFileInvalid lists every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise TargetsFileInvalid(
            [
                FileError(
                    int(match.group(1)) if match else 1,
                    "file",
                    N_("not valid TOML ({error})"),
                    (("error", str(exc)),),
                )
            ]
        ) from None
    tables, where, year_line = _lines_of(text)
    errors: list[FileError] = []
    year = data.get("year", campaign_year)
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        errors.append(FileError(year_line or 1, "year", N_("must be a year such as 2027")))
        year = campaign_year
    items = data.get("targets", [])
    if not isinstance(items, list):
        errors.append(FileError(1, "targets", N_("must be [[targets]] tables")))
        items = []
    out: list[dict[str, Any]] = []
    keys: set[str] = set()
    for index, item in enumerate(items):
        start = tables[index] if index < len(tables) else 1

        def at(field: str, index: int = index, start: int = start) -> int:
            return where.get((index, field), start)

        for field in item:
            if field not in FIELDS:
                errors.append(FileError(at(field), field, N_("unknown field")))
        key = item.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            errors.append(FileError(at("key"), "key", N_("lower-case letters, digits and _")))
        elif key in keys:
            errors.append(FileError(at("key"), "key", N_("a second target {key}"), (("key", key),)))
        else:
            keys.add(key)
        for field in ("label", "label_en", "unit", "unit_en"):
            value = item.get(field, "")
            if not isinstance(value, str) or len(value) > TEXT_MAX:
                errors.append(
                    FileError(
                        at(field),
                        field,
                        N_("text of at most {max} characters"),
                        (("max", str(TEXT_MAX)),),
                    )
                )
        if not str(item.get("label", "")).strip():
            errors.append(FileError(at("label"), "label", N_("is required")))
        for field in NUMBERS:
            value = item.get(field)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                errors.append(FileError(at(field), field, N_("must be a number (540000 or 19.3)")))
        value, value_max = item.get("value"), item.get("value_max")
        if value is None and item.get("growth") is None:
            errors.append(FileError(at("value"), "value", N_("a value or a growth is required")))
        if (
            isinstance(value, int | float)
            and isinstance(value_max, int | float)
            and not value < value_max
        ):
            errors.append(FileError(at("value_max"), "value_max", N_("must be above value")))
        qualifier = item.get("qualifier", "exact")
        if qualifier not in {q.value for q in Qualifier}:
            allowed = ", ".join(q.value for q in Qualifier)
            errors.append(
                FileError(
                    at("qualifier"), "qualifier", N_("one of {allowed}"), (("allowed", allowed),)
                )
            )
        out.append(
            {
                "key": key,
                "label": str(item.get("label", "")).strip(),
                "label_en": str(item.get("label_en", "")).strip(),
                "value": value,
                "value_max": value_max,
                "unit": str(item.get("unit", "")).strip(),
                "unit_en": str(item.get("unit_en", "")).strip(),
                "growth": item.get("growth"),
                "qualifier": qualifier,
                "year": year,
                "confirmed": True,
            }
        )
    if errors:
        raise TargetsFileInvalid(sorted(errors, key=lambda e: (e.line, e.field)))
    return year, out


def import_targets(
    session: Session,
    campaign: Campaign,
    text: str,
    now: datetime,
    *,
    actor: str = "",
    contact_id: int | None = None,
) -> list[dict[str, Any]]:
    """Replace the campaign's targets with the file's (all checked first); audited."""
    _, targets = parse(text, campaign.year)
    before = list(campaign.targets)
    campaign.targets = targets
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        "campaign.targets",
        contact_id=contact_id,
        actor=actor,
        subject=f"campaign:{campaign.id}",
        before={"targets": before},
        after={"targets": targets},
        at=now,
    )
    return targets
