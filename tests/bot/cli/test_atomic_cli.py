"""The CLI's writes are all or nothing on both databases (issue 14): on SQLite, releasing a
session's first SAVEPOINT used to commit it, so `campaign create` interrupted half-way left a
campaign without phases and the next try was refused as "already exists"."""

from __future__ import annotations

from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from bot.models import Campaign, Contact, Organization, Phase
from tests.bot.cli.conftest import Invoke

CREATE_ORG = (
    "org", "create", "--slug", "bg", "--name", "BQL các KCN Bắc Giang", "--province", "Bắc Giang"
)  # fmt: skip
CREATE_CAMPAIGN = (
    "campaign", "create", "--org", "bg", "--template", "bac-giang-kcn", "--year", "2025"
)  # fmt: skip


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or a crash) in the middle of the command."""


def _interrupt(*_args: object, **_kwargs: object) -> None:
    raise Interrupted


M = TypeVar("M", bound=SQLModel)


def _rows(engine: Engine, model: type[M]) -> list[M]:
    with Session(engine) as session:
        return list(session.exec(select(model)))


@pytest.mark.usefixtures("database")
def test_campaign_create_interrupted_half_way_leaves_nothing(
    run: Invoke, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(*CREATE_ORG).exit_code == 0
    # The campaign and its phases are written; the deadlines are next: stop there.
    with monkeypatch.context() as patched:
        patched.setattr("bot.services.campaigns.Deadline", _interrupt)
        interrupted = run(*CREATE_CAMPAIGN)
    assert interrupted.exit_code == 1 and "Đã hủy." in interrupted.output  # click's Ctrl-C, in vi
    assert _rows(engine, Campaign) == [] and _rows(engine, Phase) == []
    again = run(*CREATE_CAMPAIGN)
    assert again.exit_code == 0, again.output  # not "already exists"
    assert len(_rows(engine, Campaign)) == 1 and len(_rows(engine, Phase)) == 2


@pytest.mark.usefixtures("database")
def test_org_create_interrupted_leaves_nothing(
    run: Invoke, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr("bot.services.audit.record", _interrupt)
        assert run(*CREATE_ORG).exit_code == 1
    assert _rows(engine, Organization) == []
    assert run(*CREATE_ORG).exit_code == 0


@pytest.mark.usefixtures("database")
def test_staff_add_interrupted_leaves_nothing(
    run: Invoke, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(*CREATE_ORG).exit_code == 0
    add = ("staff", "add", "--channel", "telegram", "--user-id", "123", "--role", "admin")
    with monkeypatch.context() as patched:
        patched.setattr("bot.services.contacts._audit", _interrupt)
        assert run(*add).exit_code == 1
    assert _rows(engine, Contact) == []
    assert run(*add).exit_code == 0
    assert [c.user_id for c in _rows(engine, Contact)] == ["123"]
