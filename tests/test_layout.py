"""The layout's rules, checked on every module's imports.

The domain (models, services) imports no channel and no transport; the flows import no
transport; the scheduler knows channels only through the Sender protocol.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TRANSPORTS = ("telegram", "httpx", "starlette", "uvicorn", "bot.web", "bot.server")
CONCRETE_CHANNELS = ("bot.channels.telegram", "bot.channels.zalo", "bot.channels.console")

RULES: dict[str, tuple[str, ...]] = {
    "bot/models": (*TRANSPORTS, "bot.channels", "bot.services", "conversations", "scheduler"),
    "bot/services": (*TRANSPORTS, "bot.channels", "conversations", "scheduler"),
    "bot/notifications": (*TRANSPORTS, "bot.channels", "conversations", "scheduler"),
    "conversations": (*TRANSPORTS, *CONCRETE_CHANNELS, "bot.channels.common", "scheduler"),
    "scheduler": (*TRANSPORTS, *CONCRETE_CHANNELS, "conversations.engine", "conversations.flows"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _forbidden(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_respects_the_layout(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(_imports(path))
        if _forbidden(name, RULES[package])
    ]
    assert offenders == []


def test_rules_can_fail() -> None:
    assert _forbidden("telegram.ext", TRANSPORTS)
    assert not _forbidden("telegramish", TRANSPORTS)
