"""The review of a draft outcome ([✏️] a part, the minutes as .docx, save for later) and
publishing it, after one confirmation that says how many people will be told."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.services import outcome_publish, outcomes
from handlers.deliberation_buttons import DownloadMinutes
from handlers.deliberation_errors import explained
from handlers.keyboards import inline
from handlers.outcome_items import item_line
from handlers.outcome_steps import (
    PUBLISH,
    REVIEW,
    AskPublish,
    BackToReview,
    ConfirmPublish,
    EditPart,
    SaveForLater,
    flow_township,
)
from handlers.render import esc
from handlers.toolkit import END, BotContext, Route, button

# The review shows this much of each part; the minutes have all of it.
REVIEW_PART_CHARS = 1200


async def current(context: BotContext) -> outcomes.OutcomeView:
    view = await outcomes.outcome_view(
        context.uow, flow_township(context.flow.data), int(context.flow.data["meeting"])
    )
    assert view is not None
    return view


def _part(context: BotContext, heading: str, text: str) -> list[str]:
    tr = context.tr
    if not text.strip():
        return [f"<b>{heading}</b>", tr._("(none)")]
    shown = text
    if len(text) > REVIEW_PART_CHARS:
        shown = (
            text[:REVIEW_PART_CHARS]
            + "…\n"
            + tr._("({count} characters in all; the minutes have everything)", count=len(text))
        )
    return [f"<b>{heading}</b>", esc(shown)]


def review_text(context: BotContext, view: outcomes.OutcomeView) -> str:
    tr = context.tr
    lines = [
        tr._(
            "<b>Draft outcome of meeting {number} {title}</b>",
            number=esc(view.meeting.number),
            title=esc(view.meeting.title),
        ),
        tr._(
            "Topics: {topics}",
            topics=tr._("; ").join(f"{esc(t.number)} {esc(t.title)}" for t in view.topics) or "—",
        ),
        "",
        *_part(context, tr._("The discussion"), view.summary),
        "",
        *_part(context, tr._("Points of consensus"), view.consensus),
        "",
        *_part(context, tr._("Remaining disagreements"), view.disagreements),
        "",
        f"<b>{tr._('Action items')}</b>",
    ]
    if view.items:
        lines += [f"{i}. {item_line(context, item)}" for i, item in enumerate(view.items, 1)]
    else:
        lines.append(tr._("(none)"))
    return "\n".join(lines)


def show_review(context: BotContext, view: outcomes.OutcomeView) -> None:
    tr, frame = context.tr, context.flow.id
    keyboard = [
        [
            inline(tr._("✏️ Discussion"), EditPart(frame, "summary")),
            inline(tr._("✏️ Consensus"), EditPart(frame, "consensus")),
        ],
        [
            inline(tr._("✏️ Disagreements"), EditPart(frame, "disagreements")),
            inline(tr._("✏️ Action items"), EditPart(frame, "items")),
        ],
        [inline(tr._("📄 Minutes (.docx)"), DownloadMinutes(view.meeting.id))],
        [inline(tr._("✅ Publish"), AskPublish(frame))],
        [inline(tr._("Save the draft for later"), SaveForLater(frame))],
    ]
    context.ui.say(review_text(context, view), InlineKeyboardMarkup(keyboard))


async def ask_review(update: Update, context: BotContext) -> None:
    """The whole draft again, with its buttons."""
    show_review(context, await current(context))


def _publish_question(context: BotContext, number: str, count: int) -> None:
    tr, frame = context.tr, context.flow.id
    text = "\n".join(
        [
            tr._(
                "Publish the outcome of {number}? Its topics become “deliberated” (those with "
                "action items “being implemented”).",
                number=esc(number),
            ),
            tr.n_(
                "The outcome goes to {count} person (followers, raisers, supporters and "
                "attendees), and each owner gets their action items.",
                "The outcome goes to {count} people (followers, raisers, supporters and "
                "attendees), and each owner gets their action items.",
                count,
            ),
            tr._("It cannot be changed afterwards."),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [inline(tr._("✅ Publish now"), ConfirmPublish(frame))],
            [inline(tr._("‹ Back to the draft"), BackToReview(frame))],
        ]
    )
    context.ui.edit(text, markup)


@explained
async def ask_publish(update: Update, context: BotContext, press: AskPublish) -> str:
    """[✅ Publish]: checked first (a summary; owners and due dates still valid), then one
    question that says what publishing does and to how many people."""
    meeting_id = int(context.flow.data["meeting"])
    view = await outcome_publish.check_publishable(
        context.uow, township_id=context.township, meeting_id=meeting_id, now=context.now
    )
    count = await outcome_publish.recipient_count(context.uow, meeting_id, context.me.id)
    _publish_question(context, view.meeting.number, count)
    return PUBLISH


async def prompt_publish(update: Update, context: BotContext) -> None:
    """The question again (the flow came back to it); publishing checks everything anyway."""
    meeting_id = int(context.flow.data["meeting"])
    count = await outcome_publish.recipient_count(context.uow, meeting_id, context.me.id)
    _publish_question(context, str(context.flow.data["number"]), count)


@explained
async def publish(update: Update, context: BotContext, press: ConfirmPublish) -> str:
    """[✅ Publish now]: published; everyone concerned is told by the outbox, once each."""
    tr = context.tr
    done = await outcome_publish.publish(
        context.uow,
        township_id=context.township,
        meeting_id=int(context.flow.data["meeting"]),
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.edit(
        tr._("The outcome of {number} is published.", number=esc(done.view.meeting.number))
        + "\n"
        + tr.n_("{count} person is being told.", "{count} people are being told.", done.told)
        + "\n"
        + tr.n_(
            "{count} owner gets their action items.",
            "{count} owners get their action items.",
            done.owners,
        ),
        InlineKeyboardMarkup(
            [[inline(tr._("📄 Minutes (.docx)"), DownloadMinutes(done.view.meeting.id))]]
        ),
    )
    return END


async def back_to_review(update: Update, context: BotContext, press: BackToReview) -> str:
    """[‹ Back to the draft]."""
    context.ui.drop_buttons()
    show_review(context, await current(context))
    return REVIEW


async def save_for_later(update: Update, context: BotContext, press: SaveForLater) -> str:
    """The draft stays as it is; [Record the outcome] (or /outcome) goes on with it."""
    context.ui.edit(
        context.tr._(
            "The draft of {number} is saved. Go on with it any time from /outcome.",
            number=esc(str(context.flow.data["number"])),
        )
    )
    return END


def review_routes() -> list[Route]:
    act = Act.RECORD_OUTCOME
    return [button(AskPublish, ask_publish, act), button(SaveForLater, save_for_later, act)]


def publish_routes() -> list[Route]:
    act = Act.RECORD_OUTCOME
    return [button(ConfirmPublish, publish, act), button(BackToReview, back_to_review, act)]
