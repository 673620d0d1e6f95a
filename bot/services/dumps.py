"""A row's columns by name, as the audit log and a receipt keep them.

The audit log keeps a row before and after a change, and a receipt keeps the parts of an
item as they were sent; each kind of row names the columns they keep once (a `Dump`), and
every place that shows one reads them through it, so a column added to the list shows up
in the log and the receipts alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dump:
    """The columns of a kind of row that are kept, in order; called on a row, their values."""

    names: tuple[str, ...]

    def __call__(self, row: object) -> dict[str, Any]:
        return {name: getattr(row, name) for name in self.names}

    def plus(self, *names: str) -> Dump:
        """These columns and then `names` (a row that extends another: a proposal entry)."""
        return Dump((*self.names, *names))
