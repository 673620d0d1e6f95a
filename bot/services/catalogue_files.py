"""Reading a catalogue file (bot/templates/*.toml) into its pydantic model.

Each catalogue (the report figures, the titles, each board's plan) has one model and one
loader; they all come through here so that a mistake in any of them is reported the same way:
one line naming the file, the record (by its code when it has one) and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

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


def load_catalogue_file(path: Path, model: type[M]) -> M:
    """`path` read and validated as `model`; ValueError naming the file and field otherwise."""
    return validate_catalogue(path.name, read_toml(path), model)
