"""Narrowing for the tests: what a test has just written or matched is there."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, failing the test if it is None (a row just written, a pattern that matched):
    the models type ids and `session.get` as optional, the test knows better and says so."""
    assert value is not None
    return value
