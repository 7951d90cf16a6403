"""Free text staff type after a button: a question for the resident, a rejection reason, the
number of the issue one repeats, a topic's new title.

Small flows of one state each; a press names the issue (or topic), so pressing again (for
the same or another one) starts afresh. A restart in between loses nothing.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import filters

from bot.domain.errors import DomainError, NotFound
from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import inbox, topics, triage
from handlers import triage as triage_actions
from handlers.inbox import AskResident, OwnReason, TypeOriginal
from handlers.render import esc
from handlers.toolkit import END, BotContext, Flow, button, message
from handlers.toolkit.errors import explain
from handlers.topics import RenameTopic, render_topic

AWAIT_TEXT = "await_text"
MAX_TEXT = 1000
TIMEOUT = timedelta(hours=2)
TEXT = filters.TEXT & ~filters.COMMAND


async def _begin(context: BotContext, issue_id: int, prompt: str) -> str:
    number = await triage.awaiting_triage(
        context.reads, township_id=context.township, issue_id=issue_id
    )
    context.flow.data = {"issue_id": issue_id, "number": number}
    context.ui.edit(context.tr._("{number}: {prompt}", number=number, prompt=prompt))
    return AWAIT_TEXT


def _text_or_hint(update: Update, context: BotContext) -> str | None:
    text = context.text.strip()
    if len(text) > MAX_TEXT:
        context.ui.say(context.tr._("Please keep it under {limit} characters.", limit=MAX_TEXT))
        return None
    return text


async def begin_question(update: Update, context: BotContext, press: AskResident) -> str:
    """❓ Ask for more: the staff member types the question next."""
    return await _begin(
        context, press.issue, context.tr._("Type the question for the resident (or /cancel).")
    )


async def question_typed(update: Update, context: BotContext) -> str | None:
    """The question: relayed to the resident; staff hear back when they answer."""
    text = _text_or_hint(update, context)
    if text is None:
        return None
    try:
        await triage.ask_for_information(
            context.uow,
            township_id=context.township,
            issue_id=int(context.flow.data["issue_id"]),
            question=text,
            actor_id=context.me.id,
            now=context.now,
        )
    except DomainError as error:
        # Dealt with meanwhile: say so, and stop waiting for text.
        context.ui.say(explain(context.tr, error))
        return END
    context.ui.say(context.tr._("Sent to the resident. You will be told when they answer."))
    return END


async def begin_reason(update: Update, context: BotContext, press: OwnReason) -> str:
    """Another reason: the staff member types the reason the resident will read."""
    return await _begin(
        context, press.issue, context.tr._("Type the reason the resident will read (or /cancel).")
    )


async def reason_typed(update: Update, context: BotContext) -> str | None:
    """The reason: the issue is rejected with it."""
    text = _text_or_hint(update, context)
    if text is None:
        return None
    try:
        await triage_actions.reject(context, int(context.flow.data["issue_id"]), text)
    except DomainError as error:
        context.ui.say(explain(context.tr, error))
    return END


async def begin_original(update: Update, context: BotContext, press: TypeOriginal) -> str:
    """⌨️ Type the number (in the duplicate picker): the number of the original comes next."""
    year = context.now.astimezone(context.services.settings.zone).year
    return await _begin(
        context,
        press.issue,
        context.tr._(
            "Type the number of the issue it repeats, e.g. YS-{year}-000123 (or /cancel).",
            year=year,
        ),
    )


async def original_typed(update: Update, context: BotContext) -> str | None:
    """The number of the original: asked once more (with what that issue says) before
    anything changes; a number that is not an issue of the township is said so."""
    tr = context.tr
    text = _text_or_hint(update, context)
    if text is None:
        return None
    year = context.now.astimezone(context.services.settings.zone).year
    number = inbox.normalise_number(text, year)
    if number is None:
        context.ui.say(
            tr._(
                "That is not an issue number. Type it like YS-{year}-000123 (or /cancel).",
                year=year,
            )
        )
        return None
    issue_id = int(context.flow.data["issue_id"])
    try:
        original_id = await inbox.issue_by_number(context.reads, context.township, number)
    except NotFound:
        context.ui.say(
            tr._(
                "There is no issue {number} in your township. Type another number (or /cancel).",
                number=number,
            )
        )
        return None
    if original_id == issue_id:
        context.ui.say(tr._("That is this issue itself. Type the number of the other one."))
        return None
    try:
        await triage_actions.ask_duplicate(context, issue_id, original_id)
    except DomainError as error:
        context.ui.say(explain(tr, error))
    return END


async def begin_rename(update: Update, context: BotContext, press: RenameTopic) -> str:
    """✏️ Rename (on a topic's card): the new title comes next."""
    topic = await topics.load_topic(context.reads, press.topic, context.township)
    await topics.require_open(context.reads, topic)
    context.flow.data = {"topic_id": topic.id, "number": topic.number}
    context.ui.edit(
        context.tr._(
            "{number}: type the topic's new title (or /cancel). Now it is: {title}",
            number=topic.number,
            title=esc(topic.title),
        )
    )
    return AWAIT_TEXT


async def title_typed(update: Update, context: BotContext) -> str | None:
    """The new title: saved, and the topic's card shown with it."""
    text = _text_or_hint(update, context)
    if text is None:
        return None
    if len(text) > topics.TITLE_CHARS:
        context.ui.say(
            context.tr._("Please keep it under {limit} characters.", limit=topics.TITLE_CHARS)
        )
        return None
    try:
        view = await topics.rename_topic(
            context.uow,
            township_id=context.township,
            topic_id=int(context.flow.data["topic_id"]),
            title=text,
            actor_id=context.me.id,
            now=context.now,
        )
    except DomainError as error:
        context.ui.say(explain(context.tr, error))
        return END
    notice = context.tr._("Renamed.")
    context.ui.say(*await render_topic(context, view.id, notice, changed=True))
    return END


async def _ask_again(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._(
            "{number}: please type the text now (or /cancel).", number=context.flow.data["number"]
        )
    )


def question_flow() -> Flow:
    return Flow(
        name="staff_question",
        title=N_("the question for the resident"),
        timeout=TIMEOUT,
        entry=[button(AskResident, begin_question, Act.TRIAGE)],
        states={AWAIT_TEXT: [message(TEXT, question_typed, Act.TRIAGE)]},
        prompts={AWAIT_TEXT: _ask_again},
        restart=True,
    )


def reason_flow() -> Flow:
    return Flow(
        name="rejection_reason",
        title=N_("the rejection reason"),
        timeout=TIMEOUT,
        entry=[button(OwnReason, begin_reason, Act.TRIAGE)],
        states={AWAIT_TEXT: [message(TEXT, reason_typed, Act.TRIAGE)]},
        prompts={AWAIT_TEXT: _ask_again},
        restart=True,
    )


def original_flow() -> Flow:
    return Flow(
        name="original_number",
        title=N_("the number of the issue it repeats"),
        timeout=TIMEOUT,
        entry=[button(TypeOriginal, begin_original, Act.TRIAGE)],
        states={AWAIT_TEXT: [message(TEXT, original_typed, Act.TRIAGE)]},
        prompts={AWAIT_TEXT: _ask_again},
        restart=True,
    )


def rename_flow() -> Flow:
    return Flow(
        name="topic_title",
        title=N_("the topic's new title"),
        timeout=TIMEOUT,
        entry=[button(RenameTopic, begin_rename, Act.MANAGE_TOPICS)],
        states={AWAIT_TEXT: [message(TEXT, title_typed, Act.MANAGE_TOPICS)]},
        prompts={AWAIT_TEXT: _ask_again},
        restart=True,
    )
