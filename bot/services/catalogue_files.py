"""Reading a catalogue file (bot/templates/*.toml) into its pydantic model.

Each catalogue (the report figures, the titles, each board's plan) has one model and one
loader; they all come through here (a list of records, `load_records`, or a document of its
own, `validate_catalogue`) so that a mistake in any of them is reported the same way:
one line naming the file, the record (by its code when it has one) and the field.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

M = TypeVar("M", bound=BaseModel)


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a reader finds it in the file: figure[3] (revenue).label_en."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step + 1}]"]
            node = node[step] if isinstance(node, list) and step < len(node) else None
            code = node.get("code") if isinstance(node, dict) else None
            if code:
                parts[-1] += f" ({code})"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def describe(name: str, data: Any, error: ValidationError) -> str:
    """Every mistake pydantic found, one per line, each naming the file and the field."""
    return "\n".join(f"{name}: {_where(data, tuple(e['loc']))}: {e['msg']}" for e in error.errors())


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at `path`; ValueError naming the file when it does not parse."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name}: not valid TOML: {exc}") from exc


def validate_catalogue(name: str, data: Any, model: type[M]) -> M:
    """A parsed document validated as `model`; ValueError naming `name` and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValueError(describe(name, data, exc)) from None


class Record(BaseModel):
    """A record of a list catalogue (a report figure, a title), known by its code: a short
    ASCII word that travels in commands and callback data, of the form its kind states."""

    CODE: ClassVar[str]
    """The pattern of a code (re.fullmatch)."""
    CODE_RULE: ClassVar[str]
    """The pattern in words, for the file's author."""

    code: str

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not re.fullmatch(cls.CODE, code):
            raise ValueError(cls.CODE_RULE)
        return code


R = TypeVar("R", bound=Record)


def load_records(path: Path, table: str, model: type[R]) -> list[R]:
    """The `[[table]]` records of `path`, each validated as `model`: at least one, nothing
    beside them in the file, no code twice. ValueError naming the file and field otherwise."""
    listed: dict[str, Any] = {table: (list.__class_getitem__(model), Field(min_length=1))}
    document = create_model(
        f"{model.__name__}File", __config__=ConfigDict(extra="forbid"), **listed
    )
    records: list[R] = getattr(validate_catalogue(path.name, read_toml(path), document), table)
    codes = [record.code for record in records]
    for code in codes:
        if codes.count(code) > 1:
            raise ValueError(f"{path.name}: {table} code {code!r} appears twice")
    return records
