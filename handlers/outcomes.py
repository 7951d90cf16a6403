"""/outcome for staff (the meetings held and how far their outcome is), /minutes for staff
and members, the minutes as .docx, and the buttons a meeting's card offers for both."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import minutes, outcomes
from bot.services.access import may
from handlers.deliberation_buttons import DownloadMinutes, GatheringCard, RecordOutcome
from handlers.deliberation_errors import explained
from handlers.keyboards import inline
from handlers.minutes_docx import minutes_docx
from handlers.render import esc
from handlers.toolkit import BotContext, Route, button, command
from storage.uow import UnitOfWork

MEETINGS_LISTED = 12
OUTCOME_STATES = {
    "none": N_("no outcome yet"),
    "draft": N_("draft"),
    "published": N_("published"),
}


async def outcome_command(update: Update, context: BotContext) -> None:
    """/outcome: the meetings held, newest first; a button records or goes on with the
    outcome, or (once published) gives the minutes."""
    tr = context.tr
    held = await outcomes.held_meetings(
        context.reads, context.township, context.now, MEETINGS_LISTED
    )
    if not held:
        context.ui.say(tr._("No meeting has taken place yet."))
        return
    zone = context.services.settings.zone
    buttons = []
    for meeting in held:
        label = (
            f"{meeting.number} {meeting.title[:20]} · {tr.day(meeting.starts_at, zone)} · "
            f"{tr._(OUTCOME_STATES[meeting.outcome])}"
        )
        press = (
            DownloadMinutes(meeting.id)
            if meeting.outcome == "published"
            else RecordOutcome(meeting.id)
        )
        buttons.append(
            [inline(("📄 " if meeting.outcome == "published" else "📝 ") + label, press)]
        )
    context.ui.say(
        tr._("Meetings held: record an outcome (📝), or get the minutes of a published one (📄)."),
        InlineKeyboardMarkup(buttons),
    )


async def minutes_command(update: Update, context: BotContext) -> None:
    """/minutes: the meetings with a published outcome, each a button for its minutes."""
    tr = context.tr
    held = await outcomes.held_meetings(
        context.reads, context.township, context.now, MEETINGS_LISTED * 3
    )
    published = [m for m in held if m.outcome == "published"][:MEETINGS_LISTED]
    if not published:
        context.ui.say(tr._("No meeting has a published outcome yet."))
        return
    zone = context.services.settings.zone
    context.ui.say(
        tr._("Minutes of meetings with a published outcome:"),
        InlineKeyboardMarkup(
            [
                [
                    inline(
                        f"📄 {m.number} {m.title[:24]} · {tr.day(m.starts_at, zone)}",
                        DownloadMinutes(m.id),
                    )
                ]
                for m in published
            ]
        ),
    )


@explained
async def download_minutes(update: Update, context: BotContext, press: DownloadMinutes) -> None:
    """The minutes as .docx: the meeting, attendance, the outcome and its action items.
    Staff get a draft too (marked as such); members only a published outcome."""
    tr = context.tr
    staff = may(context.me, Act.RECORD_OUTCOME, context.township)
    view = await minutes.minutes(
        context.reads, township_id=context.township, meeting_id=press.meeting, include_draft=staff
    )
    if view.outcome is None and not staff:
        context.ui.answer(
            tr._("The minutes are available once the outcome is published."), alert=True
        )
        return
    content = minutes_docx(tr, view, context.services.settings.zone)
    context.ui.answer(tr._("Here are the minutes."))
    context.ui.document(
        content,
        tr._("minutes-{number}.docx", number=view.meeting_number),
        tr._(
            "Minutes of {number} {title}",
            number=esc(view.meeting_number),
            title=esc(view.meeting_title),
        ),
    )


async def meeting_card_buttons(
    context: BotContext, meeting_id: int, uow: UnitOfWork | None = None
) -> list[list[InlineKeyboardButton]]:
    """For the meeting card (the convening side): opinions before the meeting, the outcome
    after it, the minutes. Only what the person may do; empty for a cancelled meeting.
    `uow`: the writer, when the meeting changed in this update (a reader would not see it)."""
    reads = uow or context.reads
    state = await outcomes.meeting_state(reads, context.township, meeting_id, context.now)
    if state.cancelled:
        return []
    tr, me, township = context.tr, context.me, context.township
    rows: list[list[InlineKeyboardButton]] = []
    if state.upcoming and may(me, Act.GATHER_OPINIONS, township):
        rows.append([inline(tr._("🗳 Opinions before the meeting"), GatheringCard(meeting_id))])
    if (
        not state.upcoming
        and state.outcome != "published"
        and may(me, Act.RECORD_OUTCOME, township)
    ):
        label = (
            tr._("📝 Go on with the outcome")
            if state.outcome == "draft"
            else tr._("📝 Record the outcome")
        )
        rows.append([inline(label, RecordOutcome(meeting_id))])
    staff = may(me, Act.RECORD_OUTCOME, township)
    if may(me, Act.READ_MINUTES, township) and (
        state.outcome == "published" or (staff and not state.upcoming)
    ):
        rows.append([inline(tr._("📄 Minutes (.docx)"), DownloadMinutes(meeting_id))])
    return rows


def routes() -> list[Route]:
    return [
        command("outcome", outcome_command, Act.RECORD_OUTCOME),
        command("minutes", minutes_command, Act.READ_MINUTES),
        button(DownloadMinutes, download_minutes, Act.READ_MINUTES),
    ]
