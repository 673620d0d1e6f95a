"""Lookups remembered for the rest of one transaction.

An officer's answer asks several services the same questions (the item's deadline, its
report row, its files): the flow opens the item, the lock check reads the deadline, the
service re-checks it under the row lock, the next question's prompt reads the report again.
Each was one SQL statement; `remembered` makes the repeats free.

Why it stays correct: the memo holds the ORM objects themselves, so a change to a row made in
this session is seen through the identity map. What a lookup *finds* changes only when rows of
its kind are added or removed, so a memo entry is dropped when an object of one of its kinds
is pending, flushed as new or deleted, or when a bulk UPDATE/DELETE runs; and the whole memo
goes at commit and at any rollback (a savepoint's too). It lives in `session.info`, so it
never outlives the session, and other sessions (other workers) never see it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

T = TypeVar("T")
_KEY = "thidua.lookups"


def _memo(session: Session) -> dict[tuple[tuple[type, ...], Hashable], Any]:
    memo: dict[tuple[tuple[type, ...], Hashable], Any] = session.info.setdefault(_KEY, {})
    return memo


def _pending(session: Session, kinds: tuple[type, ...]) -> bool:
    return any(isinstance(obj, kinds) for obj in (*session.new, *session.deleted))


def remembered(
    session: Session, kinds: tuple[type, ...], key: Hashable, load: Callable[[], T]
) -> T:
    """`load()`, or what it returned earlier in this transaction for the same `kinds`/`key`.

    `kinds` are the mapped classes whose rows the lookup reads; `key` its parameters.
    """
    memo = _memo(session)
    full = (kinds, key)
    if full in memo and not _pending(session, kinds):
        value: T = memo[full]
        return value
    value = load()
    memo[full] = value
    return value


def remember(session: Session, kinds: tuple[type, ...], key: Hashable, value: object) -> None:
    """Store what a lookup of `kinds`/`key` would find, read by a wider query already (e.g.
    the deadline and the report read with the item in one statement)."""
    _memo(session)[(kinds, key)] = value


def is_remembered(session: Session, kinds: tuple[type, ...], key: Hashable) -> bool:
    """Whether `kinds`/`key` is remembered (and still valid) in this transaction."""
    return (kinds, key) in _memo(session) and not _pending(session, kinds)


def forget(session: Session) -> None:
    """Drop every remembered lookup of `session`."""
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    memo = session.info.get(_KEY)
    if not memo:
        return
    changed = tuple({type(obj) for obj in (*session.new, *session.deleted)})
    if not changed:
        return
    for kinds, key in list(memo):
        if any(issubclass(c, kinds) for c in changed):
            del memo[(kinds, key)]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Also dispatched when a savepoint is released: what it wrote stays, keep the memo.
    if not session.in_transaction():
        forget(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    forget(session)  # a savepoint's rollback too: rows it added may be gone


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        forget(state.session)
