"""Start and link: an unknown contact types the invite code the board gave the enterprise.

The wrong tries are counted by `redeem_invite` (at most 5 an hour); the step catches the
invite error itself instead of raising it, so the try it recorded is committed.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Reply
from bot.services.audience import words
from bot.services.invites import (
    ALPHABET,
    CODE_LENGTH,
    InviteError,
    TooManyAttempts,
    normalize_code,
    redeem_invite,
)
from conversations import common
from conversations.flow import (
    Again,
    Answer,
    Ctx,
    Finish,
    Flow,
    Goto,
    Outcome,
    Step,
    reply,
)


def _ask_code(ctx: Ctx) -> Reply:
    return reply(ctx.t("Please type your invite code (for example ABCD-EFGH)."))


def looks_like_code(raw: str) -> bool:
    """Whether the text could be a code at all (8 letters/digits of the code alphabet).

    Other text ("xin chào") is answered with the request for the code and is not counted
    as a wrong try; only well-formed codes that do not exist count towards the limit.
    """
    code = normalize_code(raw)
    return len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)


def _redeem(ctx: Ctx, raw: str) -> Outcome:
    t = ctx.t
    if not looks_like_code(raw):
        return Again(
            (
                reply(
                    t(
                        "That does not look like an invite code. A code has 8 letters "
                        "and digits, for example ABCD-EFGH."
                    )
                ),
            )
        )
    try:
        enterprise = redeem_invite(
            ctx.session,
            ctx.contact,
            raw,
            ctx.act,
            email=ctx.settings.sends_email,
        )
    except TooManyAttempts as exc:
        # Locked out: say so and ask nothing (asking for the code again would contradict it).
        return Finish((reply(exc.message(t)),))
    except InviteError as exc:
        return Again((reply(exc.message(t)),))
    from conversations.registry import default_registry

    return Finish(
        (
            reply(
                words(
                    t,
                    enterprise.audience,
                    N_("Linked. From now on you act for {enterprise} (tax code {tax_code})."),
                    N_("Linked. From now on you act for {enterprise} (unit code {tax_code})."),
                    enterprise=enterprise.name,
                    tax_code=enterprise.tax_code,
                )
            ),
            common.help_reply(ctx, default_registry()),
        )
    )


def _code(ctx: Ctx, answer: Answer) -> Outcome:
    return _redeem(ctx, answer.text)


def _begin(ctx: Ctx, args: str) -> Outcome:
    t = ctx.t
    if common.is_linked(ctx.contact):
        enterprise = common.enterprise_of(ctx)
        return Finish(
            (
                reply(
                    t(
                        "You are already linked to {enterprise}. To act for another enterprise, "
                        "please ask the board's office.",
                        enterprise=enterprise.name,
                    )
                ),
            )
        )
    if args:
        outcome = _redeem(ctx, args)
        if isinstance(outcome, Again):
            return Goto("code", outcome.replies)
        return outcome
    return Goto(
        "code",
        (
            reply(
                t(
                    "Welcome to Thi đua Bot of the industrial-zone management board. I help your "
                    "enterprise register emulation titles, send its reports and follow its "
                    "deadlines."
                )
            ),
        ),
    )


FLOW = Flow(
    command="link",
    summary=N_("link this chat to your enterprise with an invite code"),
    steps={"code": Step(prompt=_ask_code, handle=_code)},
    begin=_begin,
    needs_enterprise=False,
    listed=False,
)
