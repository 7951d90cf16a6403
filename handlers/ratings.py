"""Residents answer after a topic is resolved: 满意 / 基本满意 / 不满意 with one press, then an
optional comment (a flow with a timeout and a Skip button); and, some weeks later, whether
the matter is still solved (还好 / 又出现了)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.followup_errors import FollowUpError
from bot.i18n import N_
from bot.services import lookback, ratings
from handlers.followup_buttons import (
    LOOKBACK_LABELS,
    RATING_WORDS,
    LookBackAnswer,
    Rate,
    SkipComment,
)
from handlers.followup_errors import explain, explained
from handlers.keyboards import inline
from handlers.toolkit import END, BotContext, Flow, Route, button, message

AWAIT_COMMENT = "await_comment"
TEXT = filters.TEXT & ~filters.COMMAND


@explained
async def rated(update: Update, context: BotContext, press: Rate) -> str:
    """A press on the rating request: recorded at once; a comment may follow."""
    tr = context.tr
    result = await ratings.rate(
        context.uow,
        person_id=context.me.id,
        topic_id=press.topic,
        round_=press.round_no,
        value=press.value,
        now=context.now,
    )
    word = tr._(RATING_WORDS[press.value])
    if result.previous == press.value:
        context.ui.answer(
            tr._("You said “{value}” already.", value=word),
        )
        return END
    if result.previous is None:
        context.ui.answer(tr._("Thank you!"))
        context.ui.say(
            tr._(
                "Recorded: you are {value} with how topic {number} was handled.",
                value=word,
                number=result.topic_number,
            )
        )
    else:
        context.ui.answer(tr._("Changed."))
        context.ui.say(
            tr._(
                "Your rating of topic {number} is now “{value}”; it replaces “{previous}”.",
                number=result.topic_number,
                value=word,
                previous=tr._(RATING_WORDS[result.previous]),
            )
        )
    context.flow.data = {"topic_id": press.topic, "round": press.round_no, "value": press.value}
    await ask_comment(update, context)
    return AWAIT_COMMENT


async def ask_comment(update: Update, context: BotContext) -> None:
    tr = context.tr
    if context.flow.data.get("value") == "unsatisfied":
        text = tr._(
            "What was not right? Write it in one message and the office will read it, or "
            "press Skip."
        )
    else:
        text = tr._("Would you like to add a comment? Write it in one message, or press Skip.")
    skip = SkipComment(context.flow.id)
    context.ui.say(text, InlineKeyboardMarkup([[inline(tr._("Skip"), skip)]]))


async def _comment(context: BotContext, text: str | None) -> str:
    """What to say once the comment is in (or skipped); a rating that no longer stands (the
    topic was reopened meanwhile) is said so, and the flow ends all the same."""
    data = context.flow.data
    tr = context.tr
    try:
        rating = await ratings.comment(
            context.uow,
            person_id=context.me.id,
            topic_id=int(data["topic_id"]),
            round_=int(data["round"]),
            text=text,
            now=context.now,
        )
    except FollowUpError as error:
        return explain(tr, error)
    if rating.value == "unsatisfied":
        if text:
            return tr._("Your comment was passed on to the office, which will get back to you.")
        return tr._("The office has been told and will get back to you.")
    if text:
        return tr._("Thank you, your comment was recorded.")
    return tr._("Thank you for your feedback.")


async def comment_typed(update: Update, context: BotContext) -> str | None:
    text = context.text.strip()
    if len(text) > ratings.MAX_COMMENT:
        context.ui.say(
            context.tr._("Please keep it under {limit} characters.", limit=ratings.MAX_COMMENT)
        )
        return None
    context.ui.say(await _comment(context, text))
    return END


async def comment_skipped(update: Update, context: BotContext, press: SkipComment) -> str:
    context.ui.edit(await _comment(context, None))
    return END


@explained
async def looked_back(update: Update, context: BotContext, press: LookBackAnswer) -> None:
    """还好 / 又出现了 under the look-back question."""
    tr = context.tr
    result = await lookback.answer(
        context.uow,
        person_id=context.me.id,
        topic_id=press.topic,
        round_=press.round_no,
        answer=press.answer,
        now=context.now,
    )
    label = tr._(LOOKBACK_LABELS[press.answer])
    if result.previous == press.answer:
        context.ui.answer(tr._("You answered “{answer}” already.", answer=label))
        return
    context.ui.answer(tr._("Thank you!"))
    lines = []
    if result.previous is not None:
        lines.append(
            tr._(
                "Your answer is now “{answer}”; it replaces “{previous}”.",
                answer=label,
                previous=tr._(LOOKBACK_LABELS[result.previous]),
            )
        )
    if press.answer == "back":
        lines.append(
            tr._(
                "Thank you for telling us that the matter of topic {number} is back. The office "
                "has been told and will look into it.",
                number=result.topic_number,
            )
        )
    else:
        lines.append(
            tr._("Good to hear that topic {number} is still solved.", number=result.topic_number)
        )
    context.ui.say("\n".join(lines))


def flow() -> Flow:
    return Flow(
        name="rating",
        title=N_("your rating"),
        timeout=ratings.COMMENT_WAIT,
        entry=[button(Rate, rated)],
        states={
            AWAIT_COMMENT: [message(TEXT, comment_typed), button(SkipComment, comment_skipped)]
        },
        prompts={AWAIT_COMMENT: ask_comment},
        restart=True,
    )


def routes() -> list[Route]:
    return [button(LookBackAnswer, looked_back)]
