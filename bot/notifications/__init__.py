"""Outgoing messages as one domain concept.

- `kinds`: one class per kind of message the bot sends on its own (deadline reminder,
  nudge, commemoration prompt, phase notice, staff digest, campaign launch, review result,
  broadcast, chat reply, extension granted, deadline moved): who receives it, its identity
  (the Delivery row's columns) and its text.
- `outbox`: `enqueue()`, the one way a message gets into the outbox (and the planner's
  set-based `enqueue_select`), with the row shape and dedupe key defined once.
- `fanouts`: who receives a message planned to a whole board (`Fanout`), for the
  dispatcher's expansion and for an officer who links his account after it passed him.
- `render`: texts are rendered when a message is sent, in the recipient's language then.
- `facts`: what rendering a batch reads from the database; `texts`: the words.

This package belongs to the domain: it imports no channel, no conversation and no
scheduler code.
"""
