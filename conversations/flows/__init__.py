"""One module per command. A module defines `FLOW = Flow(...)` and is found automatically
by `conversations.registry.discover()`; its `roles` restrict who may run it."""
