"""Reading the rows of one table that match some conditions, in a stated order.

The services list a campaign's phases, deadlines and days, an item's receipts and parts...:
each is this one statement with its own table, conditions and order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.sql._typing import _ColumnExpressionArgument
from sqlmodel import Session, select

T = TypeVar("T")


def rows_of(
    session: Session,
    model: type[T],
    *where: _ColumnExpressionArgument[bool] | bool,
    order: Sequence[Any],
) -> list[T]:
    """The rows of `model` meeting every condition of `where`, sorted by `order`."""
    return list(session.exec(select(model).where(*where).order_by(*order)).all())
