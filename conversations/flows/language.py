"""/language: Vietnamese or English, remembered on the contact."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.messaging import Choice, Reply
from bot.services.contacts import set_language
from conversations.flow import (
    EVERYONE,
    Answer,
    Ctx,
    Finish,
    Flow,
    Goto,
    Invalid,
    Outcome,
    Step,
    reply,
)

_ALIASES = {
    "vi": "vi",
    "vn": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
    "vietnamese": "vi",
    "en": "en",
    "english": "en",
    "tiếng anh": "en",
    "tieng anh": "en",
}


def _ask(ctx: Ctx) -> Reply:
    return reply(
        ctx.t("Which language do you prefer?"),
        [Choice("lang:vi", "Tiếng Việt"), Choice("lang:en", "English")],
    )


def _set(ctx: Ctx, code: str) -> Outcome:
    set_language(ctx.session, ctx.contact, code)
    t = Translator(code)
    return Finish(
        (reply(t("From now on I will write in English. Send /help to see what you can do.")),)
    )


def _choose(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice is not None:
        return _set(ctx, answer.choice.removeprefix("lang:"))
    code = _ALIASES.get(" ".join(answer.text.casefold().split()))
    if code is None:
        raise Invalid(ctx.t("Please choose 1 (Tiếng Việt) or 2 (English)."))
    return _set(ctx, code)


def _begin(ctx: Ctx, args: str) -> Outcome:
    code = _ALIASES.get(" ".join(args.casefold().split()))
    if code is not None:
        return _set(ctx, code)
    return Goto("choose")


FLOW = Flow(
    command="language",
    summary=N_("Vietnamese or English"),
    steps={"choose": Step(prompt=_ask, handle=_choose)},
    begin=_begin,
    roles=EVERYONE,
    needs_enterprise=False,
)
