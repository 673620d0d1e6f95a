"""How an enterprise finds the bot: the Telegram deep link, the Zalo name, the words around them.

One place for what every onboarding medium says — the invite e-mail, the mail-merge sheet,
the printed letter and the footer of every e-mail — so they never disagree. The bot already
accepts `/start CODE`, so `https://t.me/<bot>?start=<CODE>` opens the chat with the code
typed in: one tap links the account. On Zalo there is no such link; the officer searches
the bot's name and sends the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import Channel, Contact, Organization

TELEGRAM_LINK = "https://t.me/{bot}?start={code}"


@dataclass(frozen=True)
class BotNames:
    """The bot's names on each chat platform (None when the platform is not used)."""

    telegram: str | None = None  # username, without "@"
    zalo: str | None = None  # the name to search in Zalo

    def telegram_link(self, code: str) -> str | None:
        """The deep link that opens the bot with `/start CODE` (the stored, dashless code)."""
        if not self.telegram:
            return None
        return TELEGRAM_LINK.format(bot=self.telegram, code=code)


def how_to_link(
    t: Translator, names: BotNames, code: str | None = None, *, link_shown: bool = False
) -> list[str]:
    """The steps to link, one line per platform; with a code, the code is in the steps.

    `link_shown`: the deep link and its QR code are printed just above (the letter), so the
    Telegram step points at them instead of repeating the link.
    """
    shown = code or t("the invite code")
    lines: list[str] = []
    if names.telegram:
        if code and link_shown:
            lines.append(
                t(
                    "On Telegram: scan the QR code or open the link above and press Start "
                    "(or find @{bot} and send /start {code}).",
                    bot=names.telegram,
                    code=code,
                )
            )
        elif code:
            lines.append(
                t(
                    "On Telegram: open {link} and press Start (or find @{bot} and send "
                    "/start {code}).",
                    link=names.telegram_link(code) or "",
                    bot=names.telegram,
                    code=code,
                )
            )
        else:
            lines.append(
                t("On Telegram: find @{bot}, press Start and send {code}.",
                  bot=names.telegram, code=shown)
            )  # fmt: skip
    if names.zalo:
        lines.append(
            t(
                "On Zalo: search for “{name}”, open the chat and send {code}.",
                name=names.zalo,
                code=shown,
            )
        )
    if not lines:
        lines.append(t("Send {code} to the board's bot on Telegram or Zalo.", code=shown))
    return lines


def email_footer(t: Translator, board: str, names: BotNames) -> str:
    """The footer of every e-mail: why it came by e-mail, and how to get the chat instead."""
    return "\n".join(
        [
            t(
                "This e-mail was sent automatically by the Thi đua Bot of {board} because "
                "your enterprise has not linked a Telegram or Zalo account yet.",
                board=board,
            ),
            t("To receive these messages in the chat instead:"),
            *(f"- {line}" for line in how_to_link(t, names)),
            t(
                "The invite code is in the board's invitation letter; for a new one, please "
                "contact the board's office. Once linked, these messages no longer come by "
                "e-mail."
            ),
        ]
    )


def board_for_address(session: Session, address: str) -> str | None:
    """The name of the board whose enterprise has this e-mail contact (the first, if several)."""
    return session.exec(
        select(Organization.name)
        .join(Contact, col(Contact.organization_id) == col(Organization.id))
        .where(Contact.channel == Channel.EMAIL, Contact.chat_id == address)
        .order_by(col(Contact.id))
    ).first()
