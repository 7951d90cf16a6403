"""Recording a meeting's outcome (协商成果) in chat, as a flow:

    summary → consensus → disagreements → action items → review → publish

Each part may take several messages (long minutes arrive in pieces): they are appended until
staff press [Next ›]. Every message is written to the draft at once, so another staff member,
a restart or /cancel loses nothing; [Record the outcome] later goes on from the review, where
[✏️] buttons change a part (the first message then replaces it). Action items are
handlers/outcome_items.py; the review and publishing handlers/outcome_review.py.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import outcomes
from handlers import outcome_items, outcome_review
from handlers.deliberation_buttons import RecordOutcome
from handlers.deliberation_errors import explained
from handlers.keyboards import inline
from handlers.outcome_steps import (
    CONSENSUS,
    DISAGREEMENTS,
    ITEM_DUE,
    ITEM_OWNER,
    ITEM_TEXT,
    ITEM_TOPIC,
    ITEMS,
    PUBLISH,
    REVIEW,
    SUMMARY,
    TEXT_STATES,
    EditPart,
    PartDone,
)
from handlers.render import esc
from handlers.toolkit import BotContext, Flow, button, message

TIMEOUT = timedelta(hours=12)
TEXT = filters.TEXT & ~filters.COMMAND
_NEXT_STATE = {SUMMARY: CONSENSUS, CONSENSUS: DISAGREEMENTS, DISAGREEMENTS: ITEMS}


def _part(state: str) -> outcomes.Part:
    return TEXT_STATES[state]


async def ask_part(update: Update, context: BotContext) -> None:
    """The question of a text part: what to write, and that it may take several messages."""
    tr, state = context.tr, context.flow.state
    editing = bool(context.flow.data.get("back"))
    questions = {
        SUMMARY: tr._(
            "Step 1 of 4 — the discussion. Send a summary of what was discussed at {number}. "
            "Long minutes may come in several messages; they are put together. Press "
            "“Next ›” when all is in.",
            number=esc(context.flow.data["number"]),
        ),
        CONSENSUS: tr._(
            "Step 2 of 4 — the points of consensus: what everyone agreed on, one point per "
            "line. Press “Next ›” when all is in (or if there is none)."
        ),
        DISAGREEMENTS: tr._(
            "Step 3 of 4 — the disagreements that remain, if any. Press “Next ›” when all "
            "is in (or if there is none)."
        ),
    }
    text = questions[state]
    if editing:
        text = tr._(
            "Send the new text: your first message replaces what is there, further messages "
            "are added to it. Press “Next ›” to keep it as it is."
        )
    context.ui.say(text, _next_markup(context))


def _next_markup(context: BotContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(context.tr._("Next ›"), PartDone(context.flow.id))]])


@explained
async def begin(update: Update, context: BotContext, press: RecordOutcome) -> str:
    """[Record the outcome]: a new draft starts with the summary; a draft begun earlier (by
    anyone) opens at its review."""
    view = await outcomes.open_draft(
        context.uow,
        township_id=context.township,
        meeting_id=press.meeting,
        actor_id=context.me.id,
        now=context.now,
    )
    context.flow.data = {
        "township": context.township,
        "meeting": view.meeting.id,
        "number": view.meeting.number,
        "title": view.meeting.title,
        "topics": len(view.topics),
    }
    if view.summary or view.consensus or view.disagreements or view.items:
        context.flow.data["back"] = True
        outcome_review.show_review(context, view)
        return REVIEW
    context.flow.state = SUMMARY
    await ask_part(update, context)
    return SUMMARY


@explained
async def part_text(update: Update, context: BotContext) -> str | None:
    """A message of a part: added to the draft (or, first after ✏️, replacing the part)."""
    data = context.flow.data
    replace = bool(data.pop("replace", False))
    length = await outcomes.write_part(
        context.uow,
        township_id=context.township,
        meeting_id=int(data["meeting"]),
        part=_part(context.flow.state),
        text=context.text,
        replace=replace,
        now=context.now,
    )
    context.ui.say(
        context.tr.n_(
            "Noted ({count} character so far). Send more, or press “Next ›”.",
            "Noted ({count} characters so far). Send more, or press “Next ›”.",
            length,
        ),
        _next_markup(context),
    )
    return None


@explained
async def part_done(update: Update, context: BotContext, press: PartDone) -> str | None:
    """[Next ›]: on to the next part (or back to the review after an edit). The summary
    cannot stay empty."""
    data, state = context.flow.data, context.flow.state
    view = await outcome_review.current(context)
    if state == SUMMARY and not view.summary.strip():
        context.ui.say(context.tr._("Please write the summary of the discussion first."))
        return None
    context.ui.drop_buttons()
    data.pop("replace", None)
    if data.get("back"):
        outcome_review.show_review(context, view)
        return REVIEW
    following = _NEXT_STATE[state]
    if following == ITEMS:
        outcome_items.show_items(context, view)
    else:
        context.flow.state = following
        await ask_part(update, context)
    return following


@explained
async def edit_part(update: Update, context: BotContext, press: EditPart) -> str:
    """✏️ under the review: change one part."""
    context.ui.drop_buttons()
    context.flow.data["back"] = True
    if press.part == "items":
        outcome_items.show_items(context, await outcome_review.current(context))
        return ITEMS
    state = {"summary": SUMMARY, "consensus": CONSENSUS, "disagreements": DISAGREEMENTS}[press.part]
    context.flow.data["replace"] = True
    context.flow.state = state
    await ask_part(update, context)
    return state


def flow() -> Flow:
    act = Act.RECORD_OUTCOME
    text_steps = [message(TEXT, part_text, act), button(PartDone, part_done, act)]
    return Flow(
        name="outcome",
        title=N_("the meeting's outcome"),
        timeout=TIMEOUT,
        entry=[button(RecordOutcome, begin, act)],
        states={
            SUMMARY: text_steps,
            CONSENSUS: text_steps,
            DISAGREEMENTS: text_steps,
            ITEMS: outcome_items.items_routes(),
            ITEM_TEXT: outcome_items.text_routes(),
            ITEM_TOPIC: outcome_items.topic_routes(),
            ITEM_OWNER: outcome_items.owner_routes(),
            ITEM_DUE: outcome_items.due_routes(),
            REVIEW: [button(EditPart, edit_part, act), *outcome_review.review_routes()],
            PUBLISH: outcome_review.publish_routes(),
        },
        prompts={
            SUMMARY: ask_part,
            CONSENSUS: ask_part,
            DISAGREEMENTS: ask_part,
            ITEMS: outcome_items.ask_items,
            ITEM_TEXT: outcome_items.ask_text,
            ITEM_TOPIC: outcome_items.ask_topic,
            ITEM_OWNER: outcome_items.ask_owner,
            ITEM_DUE: outcome_items.ask_due,
            REVIEW: outcome_review.ask_review,
            PUBLISH: outcome_review.prompt_publish,
        },
        restart=True,
    )
