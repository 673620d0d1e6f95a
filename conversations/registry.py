"""Flows by command.

Adding a flow is one module in `conversations/flows/` that defines `FLOW = Flow(...)` (or a
`FLOWS` list); its `roles` say who may use it, e.g. `roles=STAFF_ROLES` for a staff command.
`default_registry()` discovers every such module, so nothing else has to be edited.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import lru_cache

from conversations.flow import Flow


class Registry:
    """The flows the engine knows, keyed by command (without the slash)."""

    def __init__(self, flows: list[Flow] | None = None) -> None:
        self._flows: dict[str, Flow] = {}
        for flow in flows or []:
            self.register(flow)

    def register(self, flow: Flow) -> Flow:
        if flow.command in self._flows and self._flows[flow.command] is not flow:
            raise ValueError(f"two flows claim the command /{flow.command}")
        self._flows[flow.command] = flow
        return flow

    def get(self, command: str) -> Flow | None:
        return self._flows.get(command)

    def __iter__(self) -> Iterator[Flow]:
        return iter(self._flows.values())

    def __contains__(self, command: object) -> bool:
        return command in self._flows


def discover(package: str = "conversations.flows") -> list[Flow]:
    """Every FLOW / FLOWS defined by the modules of `package`, in module-name order."""
    module = importlib.import_module(package)
    found: list[Flow] = []
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        sub = importlib.import_module(f"{package}.{info.name}")
        if isinstance(getattr(sub, "FLOW", None), Flow):
            found.append(sub.FLOW)
        found.extend(f for f in getattr(sub, "FLOWS", []) if isinstance(f, Flow))
    return found


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of all flows shipped in conversations/flows."""
    return Registry(discover())
