"""An issue as the office sees it: the card, its buttons by status, and /issue by number.

Staff see what they need to act and to reach the raiser: the history, the office's
questions and the answers, who joined, the raiser's Telegram contact. Members see the issue,
and the raiser's name only if the raiser agreed to be named; never how to reach anyone (the
service leaves it out, so no handler can show it by mistake). An issue that is in a topic
already is still reachable: from the topic's card, and with /issue YS-2026-000123.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.domain.errors import NotFound
from bot.domain.issue_status import TRIAGE_STATUSES, IssueStatus
from bot.domain.permissions import Act
from bot.services import inbox
from bot.services.access import may
from bot.services.inbox import StaffIssueCard
from bot.services.similar import Similar
from handlers.inbox import (
    AskResident,
    BackToCard,
    NewTopic,
    OpenIssue,
    PickCategory,
    PickOriginal,
    PickReason,
    PickTopic,
    PickVillage,
    ViewIssue,
)
from handlers.keyboards import inline
from handlers.render import category_label, esc, similarity_label, status_label
from handlers.toolkit import BotContext, Route, button, command
from handlers.topics import BackToTopic, Split
from storage.uow import UnitOfWork

# History notes of these steps are the office's questions and the answers, shown apart.
_QUESTION_STEPS = frozenset({IssueStatus.NEEDS_INFO, IssueStatus.SUBMITTED})


def _is_staff(context: BotContext) -> bool:
    return may(context.me, Act.TRIAGE, context.township)


def _contact(card: StaffIssueCard) -> str | None:
    """How staff reach the raiser: a link that opens a chat with them, and their @username."""
    if card.raiser_telegram_id is None:
        return None
    name = esc(card.raiser or str(card.raiser_telegram_id))
    link = f'<a href="tg://user?id={card.raiser_telegram_id}">{name}</a>'
    return link + (f" · @{esc(card.raiser_username)}" if card.raiser_username else "")


def _raiser_lines(context: BotContext, card: StaffIssueCard, staff: bool) -> list[str]:
    tr = context.tr
    if card.source == "import":
        return [tr._("Imported record {ref}", ref=esc(card.source_ref or "—"))]
    if not card.raiser:
        return [tr._("Raised by: {name}", name=tr._("a resident who asked not to be named"))]
    name = esc(card.raiser)
    if staff and card.anonymous:
        name = tr._("{name} (anonymous to members)", name=name)
    lines = [tr._("Raised by: {name}", name=name)]
    if staff and card.raiser_village:
        lines.append(tr._("Lives in: {village}", village=esc(card.raiser_village)))
    contact = _contact(card) if staff else None
    if contact:
        lines.append(tr._("Contact: {contact}", contact=contact))
    return lines


def _people_lines(context: BotContext, card: StaffIssueCard, staff: bool) -> list[str]:
    tr = context.tr
    if not card.supporters:
        return []
    if staff and card.supporter_names:
        names = tr._("、").join(esc(name) for name in card.supporter_names)
        return [
            tr.n_(
                "{count} neighbour joined: {names}",
                "{count} neighbours joined: {names}",
                card.supporters,
                names=names,
            )
        ]
    return [tr.n_("{count} neighbour joined", "{count} neighbours joined", card.supporters)]


def _question_lines(context: BotContext, card: StaffIssueCard) -> list[str]:
    tr = context.tr
    zone = context.services.settings.zone
    if not card.questions:
        return []
    lines = ["", tr._("<b>The office's questions</b>")]
    for question in card.questions:
        lines.append(
            tr._(
                "• {when} {who} asked: {question}",
                when=tr.when(question.asked_at, zone),
                who=esc(question.asked_by) or tr._("the office"),
                question=esc(question.question),
            )
        )
        if question.answer is not None and question.answered_at is not None:
            lines.append(
                tr._(
                    "  {when} the resident answered: {answer}",
                    when=tr.when(question.answered_at, zone),
                    answer=esc(question.answer),
                )
            )
        else:
            lines.append("  " + tr._("No answer yet."))
    return lines


def _history_lines(context: BotContext, card: StaffIssueCard) -> list[str]:
    tr = context.tr
    zone = context.services.settings.zone
    if not card.history:
        return []
    lines = ["", tr._("<b>History</b>")]
    for event in card.history:
        entry = f"{tr.when(event.at, zone)} — {status_label(tr, event.status)}"
        if event.note and event.status not in _QUESTION_STEPS:
            entry += tr._("({why})", why=esc(event.note))
        lines.append(entry)
    return lines


def card_text(
    context: BotContext,
    card: StaffIssueCard,
    *,
    staff: bool,
    similar: list[Similar] | None = None,
    labels: dict[tuple[str, int], str] | None = None,
    notice: str | None = None,
) -> str:
    tr = context.tr
    zone = context.services.settings.zone
    place = card.village or card.place or "—"
    lines = [notice, ""] if notice else []
    lines += [
        tr._("<b>Issue {number}</b>", number=card.number),
        tr._("Status: {status}", status=status_label(tr, card.status)),
    ]
    if card.topic_number:
        lines.append(
            tr._(
                "Topic: {number} {title}",
                number=card.topic_number,
                title=esc(card.topic_title or ""),
            )
        )
    if card.duplicate_of:
        lines.append(tr._("Same matter as: {number}", number=card.duplicate_of))
    lines += [
        tr._("Category: {category}", category=category_label(tr, card.category)),
        tr._("Place: {place}", place=esc(place)),
        tr._("Raised: {when}", when=tr.when(card.created_at, zone)),
        *_raiser_lines(context, card, staff),
    ]
    if card.title:
        lines.append(tr._("Title: {title}", title=esc(card.title)))
    if card.text:
        lines.append(tr._("Description: {text}", text=esc(card.text)))
    if card.voice_file_id:
        lines.append(tr._("Voice message attached"))
    if card.photo_file_ids:
        lines.append(tr.n_("{count} photo", "{count} photos", len(card.photo_file_ids)))
    lines += _people_lines(context, card, staff)
    if staff:
        lines += _question_lines(context, card)
    lines += _history_lines(context, card)
    if similar:
        lines += ["", tr._("<b>Similar</b>")]
        for item in similar:
            why = []
            if item.shared_place:
                why.append(tr._("same place: {place}", place=esc(item.shared_place)))
            if item.shared_terms:
                why.append(
                    tr._("shared words: {terms}", terms=esc("、".join(item.shared_terms[:4])))
                )
            label = esc((labels or {}).get((item.kind, item.id), ""))
            reason = tr._("({why})", why=tr._("; ").join(why)) if why else ""
            lines.append(f"{similarity_label(tr, item.score)} · {label}{reason}")
    return "\n".join(lines)


def card_keyboard(
    context: BotContext, card: StaffIssueCard, *, staff: bool
) -> InlineKeyboardMarkup | None:
    """What may be done with the issue now: triage while it waits, its topic once in one."""
    tr = context.tr
    issue = card.id
    if staff and card.status in TRIAGE_STATUSES:
        return InlineKeyboardMarkup(
            [
                [
                    inline(tr._("✅ New topic"), NewTopic(issue)),
                    inline(tr._("➕ Into a topic"), PickTopic(issue)),
                ],
                [
                    inline(tr._("🔁 Duplicate of…"), PickOriginal(issue)),
                    inline(tr._("❓ Ask for more"), AskResident(issue)),
                ],
                [
                    inline(tr._("✖ Reject"), PickReason(issue)),
                    inline(tr._("🏷 Category"), PickCategory(issue)),
                    inline(tr._("📍 Village"), PickVillage(issue)),
                ],
            ]
        )
    if card.topic_id is None or card.topic_number is None:
        return None
    topic_button = inline(
        tr._("📂 Topic {number}", number=card.topic_number), BackToTopic(card.topic_id)
    )
    if not staff:
        return InlineKeyboardMarkup([[topic_button]])
    rows = [[topic_button, inline(tr._("✂ Own topic"), Split(card.topic_id, issue))]]
    if card.status is IssueStatus.ACCEPTED:
        rows.append(
            [
                inline(tr._("🏷 Category"), PickCategory(issue)),
                inline(tr._("📍 Village"), PickVillage(issue)),
            ]
        )
    return InlineKeyboardMarkup(rows)


async def similar_to(
    context: BotContext, card: StaffIssueCard
) -> tuple[list[Similar], dict[tuple[str, int], str]]:
    similar = await context.services.similar.similar(
        card.township_id,
        title=card.title or "",
        body=card.text,
        village=card.village,
        k=5,
        exclude_issue=card.id,
        min_score=0.2,
    )
    labels = await inbox.labels_of(context.reads, [(item.kind, item.id) for item in similar])
    return similar, labels


async def render_card(
    context: BotContext, issue_id: int, *, notice: str | None = None, changed: bool = False
) -> tuple[StaffIssueCard, str, InlineKeyboardMarkup | None]:
    """The card of an issue for whoever asks (staff or member), with its buttons.

    `changed`: right after a change in this update, read through the writer (a separate
    reader does not see what is not committed yet).
    """
    staff = _is_staff(context)
    uow: UnitOfWork = context.uow if changed else context.reads
    card = await inbox.card(uow, issue_id, context.township, for_staff=staff)
    similar: list[Similar] = []
    labels: dict[tuple[str, int], str] = {}
    if staff and card.status in TRIAGE_STATUSES:
        similar, labels = await similar_to(context, card)
    text = card_text(context, card, staff=staff, similar=similar, labels=labels, notice=notice)
    return card, text, card_keyboard(context, card, staff=staff)


async def show_card(
    context: BotContext, issue_id: int, notice: str | None = None, *, changed: bool = True
) -> None:
    """Rewrite the pressed message into the issue's card (after an action, or ‹ Back)."""
    _card, text, keyboard = await render_card(context, issue_id, notice=notice, changed=changed)
    context.ui.edit(text, keyboard)


async def send_card(context: BotContext, issue_id: int) -> None:
    """The issue's photos, voice and location, then the card with its buttons."""
    card, text, keyboard = await render_card(context, issue_id)
    context.ui.photos(card.photo_file_ids)
    if card.voice_file_id:
        context.ui.voice(card.voice_file_id)
    if card.location is not None:
        context.ui.location(*card.location)
    context.ui.say(text, keyboard)


async def open_issue(update: Update, context: BotContext, press: OpenIssue) -> None:
    """An issue of the inbox (or of an alert): its media, then the card with actions."""
    await send_card(context, press.issue)


async def view_issue(update: Update, context: BotContext, press: ViewIssue) -> None:
    """An issue of a topic: its media and card (members see what the raiser allowed)."""
    await send_card(context, press.issue)


async def back_to_card(update: Update, context: BotContext, press: BackToCard) -> None:
    """‹ Back: the picker or question gives way to the issue's card again; nothing changed."""
    await show_card(context, press.issue, changed=False)


async def issue_command(update: Update, context: BotContext) -> None:
    """/issue YS-2026-000123: that issue of the township, wherever it is now."""
    tr = context.tr
    typed = " ".join(context.args or [])
    year = context.now.astimezone(context.services.settings.zone).year
    number = inbox.normalise_number(typed, year) if typed else None
    if number is None:
        context.ui.say(
            tr._(
                "Send /issue and the issue's number, for example /issue YS-{year}-000123.",
                year=year,
            )
        )
        return
    try:
        issue_id = await inbox.issue_by_number(context.reads, context.township, number)
    except NotFound:
        context.ui.say(tr._("There is no issue {number} in your township.", number=number))
        return
    await send_card(context, issue_id)


def routes() -> list[Route]:
    return [
        command("issue", issue_command, Act.READ_ISSUES),
        button(OpenIssue, open_issue, Act.TRIAGE),
        button(ViewIssue, view_issue, Act.READ_ISSUES),
        button(BackToCard, back_to_card, Act.TRIAGE),
    ]
