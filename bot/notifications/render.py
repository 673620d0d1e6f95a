"""Rendering at send time: a batch of identities becomes texts, in each reader's language.

The dispatcher calls `render` on each claimed batch (and the planner's dry run on the day's
plan): the facts the batch names are read once (`Facts`), then each message's class words
it with the Translator of its recipient's language as stored now. So a `/language` switch,
a moved deadline or a corrected campaign title between planning and sending is what the
reader sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.i18n import Translator, normalize_language
from bot.models import Contact, Delivery, DeliveryKind, Role
from bot.notifications.facts import Facts, Gone, Recipient
from bot.notifications.kinds import KINDS, Notification


@dataclass(frozen=True)
class Rendered:
    """One message ready to send: its text and the file that goes with it, if any."""

    text: str
    document_path: str | None = None


class Translators:
    """One Translator per language for a whole batch (building one costs ~10 µs)."""

    def __init__(self) -> None:
        self._by_language: dict[str, Translator] = {}

    def __call__(self, language: str | None) -> Translator:
        lang = normalize_language(language)
        t = self._by_language.get(lang)
        if t is None:
            t = self._by_language[lang] = Translator(lang)
        return t


def render(
    session: Session, batch: Sequence[tuple[Notification, Recipient]]
) -> list[Rendered | Gone]:
    """Each message of the batch as it reads now; `Gone` (not raised) for one whose subject
    has disappeared, so one bad row never stops the batch."""
    facts = Facts(session, batch)
    translators = Translators()
    out: list[Rendered | Gone] = []
    for notification, to in batch:
        try:
            text = notification.text(translators(to.language), facts, to)
            out.append(Rendered(text, notification.document(facts)))
        except Gone as gone:
            out.append(gone)
    return out


def render_deliveries(session: Session, deliveries: Sequence[Delivery]) -> list[Rendered | Gone]:
    """Outbox rows as they would read if sent now (the CLI, tests, a dashboard)."""
    ids = {d.contact_id for d in deliveries}
    contacts = {c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(ids)))}
    batch = []
    for d in deliveries:
        contact = contacts[d.contact_id]
        batch.append(
            (
                KINDS[DeliveryKind(d.kind)].from_identity(d),
                Recipient(
                    contact.id or 0,
                    contact.language,
                    contact.enterprise_id,
                    Role(contact.role),
                    contact.cluster_id,
                ),
            )
        )
    return render(session, batch)


__all__ = ["Rendered", "Translators", "render", "render_deliveries"]
