"""Turning domain values into (HTML-escaped, translated) message text."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.domain.categories import DEFAULT_CATEGORIES
from bot.domain.issue_status import IssueStatus
from bot.domain.topic_status import TopicStatus
from bot.i18n import N_, Translator
from bot.services.views import CategoryView, IssueDetail, IssueSummary

STATUS_LABELS: dict[IssueStatus, str] = {
    IssueStatus.SUBMITTED: N_("Submitted, waiting for the office"),
    IssueStatus.NEEDS_INFO: N_("More information needed"),
    IssueStatus.ACCEPTED: N_("Accepted into a consultation topic"),
    IssueStatus.REJECTED: N_("Not taken up"),
    IssueStatus.MERGED: N_("Joined with a similar issue"),
    IssueStatus.WITHDRAWN: N_("Withdrawn"),
    IssueStatus.RESOLVED: N_("Resolved"),
    IssueStatus.CLOSED: N_("Closed"),
}


TOPIC_STATUS_LABELS: dict[TopicStatus, str] = {
    TopicStatus.COLLECTING: N_("Collecting"),
    TopicStatus.SELECTED: N_("Selected for consultation"),
    TopicStatus.SCHEDULED: N_("Meeting scheduled"),
    TopicStatus.DELIBERATED: N_("Deliberated"),
    TopicStatus.IMPLEMENTING: N_("Being implemented"),
    TopicStatus.RESOLVED: N_("Resolved"),
    TopicStatus.REVIEWED: N_("Looked back on"),
    TopicStatus.CLOSED: N_("Closed"),
    TopicStatus.WITHDRAWN: N_("Withdrawn"),
}


def esc(text: str) -> str:
    """Every piece of user text goes through here before it enters an HTML message."""
    return html.escape(text, quote=False)


def with_note(tr: Translator, text: str, note: str) -> str:
    """A line with a short note after it in brackets (full-width in Chinese)."""
    return tr._("{text} ({note})", text=text, note=note)


def category_label(tr: Translator, category: CategoryView | None) -> str:
    if category is None:
        return "—"
    default = DEFAULT_CATEGORIES.get(category.key)
    return tr._(default[0]) if default else esc(category.label)


def status_label(tr: Translator, status: IssueStatus) -> str:
    return tr._(STATUS_LABELS[status])


def topic_status_label(tr: Translator, status: TopicStatus) -> str:
    return tr._(TOPIC_STATUS_LABELS[status])


# How alike two issues read, in words (staff see no raw scores).
SIMILARITY_WORDS = ((0.6, N_("very similar")), (0.4, N_("similar")), (0.0, N_("somewhat similar")))


def similarity_label(tr: Translator, score: float) -> str:
    return next(tr._(words) for floor, words in SIMILARITY_WORDS if score >= floor)


def issue_line(tr: Translator, issue: IssueSummary, zone: ZoneInfo) -> str:
    values = {
        "number": issue.number,
        "date": tr.day(issue.created_at, zone),
        "status": status_label(tr, issue.status),
    }
    if issue.joined:
        return tr._("{number} · joined · {date} · {status}", **values)
    return tr._("{number} · {date} · {status}", **values)


def issue_detail(tr: Translator, detail: IssueDetail) -> str:
    zone = ZoneInfo(detail.township.timezone)
    summary = detail.summary
    place = detail.township.name + (f" · {detail.village.name}" if detail.village else "")
    lines = [
        tr._("<b>Issue {number}</b>", number=summary.number),
        tr._("Status: {status}", status=status_label(tr, summary.status)),
        tr._("Category: {category}", category=category_label(tr, summary.category)),
        tr._("Place: {place}", place=esc(place)),
        tr._("Raised: {when}", when=tr.when(summary.created_at, zone)),
    ]
    if detail.text:
        lines.append(tr._("Description: {text}", text=esc(detail.text)))
    if detail.has_voice:
        lines.append(tr._("Voice message attached"))
    if detail.photo_count:
        lines.append(tr.n_("{count} photo", "{count} photos", detail.photo_count))
    if detail.location:
        lines.append(tr._("Location shared"))
    if detail.summary.joined:
        lines.append(tr._("You joined this issue; you are told of every step."))
    else:
        lines.append(
            tr._("Name hidden from members") if detail.anonymous else tr._("Name shown to members")
        )
    if detail.supporters:
        lines.append(
            tr.n_("{count} neighbour joined", "{count} neighbours joined", detail.supporters)
        )
    lines.append("")
    lines.append(tr._("<b>History</b>"))
    for event in detail.events:
        entry = f"{tr.when(event.at, zone)} — {status_label(tr, event.status)}"
        if event.note:
            entry = with_note(tr, entry, esc(event.note))
        lines.append(entry)
    return "\n".join(lines)


def unsupported_text(tr: Translator) -> str:
    return tr._(
        "Sorry, I cannot use this kind of message. I accept text, voice messages, photos "
        "and a location."
    )
