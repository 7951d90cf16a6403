"""The minutes (纪要) of a meeting as a Word document (python-docx), in the reader's language."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from bot.i18n import N_, Translator
from bot.services.minutes import MinutesView
from handlers.deliberation_errors import day_text

FORMATS = {"onsite": N_("on site"), "online": N_("online"), "hybrid": N_("on site and online")}
GUEST_ROLES = {
    "department": N_("department"),
    "village": N_("village or community"),
    "expert": N_("expert"),
    "observer": N_("observer"),
}


def _chinese_fonts(document: object) -> None:
    """Body text in 宋体 (SimSun), so Chinese renders the same in every Word or WPS."""
    style = document.styles["Normal"]  # type: ignore[attr-defined]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _names(tr: Translator, names: tuple[str, ...]) -> str:
    return tr._("、").join(names) if names else tr._("(none)")


def attendance_lines(tr: Translator, view: MinutesView) -> list[tuple[str, str]]:
    """(label, who) rows: names of staff, members and guests; residents by count and village."""
    attendance = view.attendance
    guests = [
        tr._("{name} ({role})", name=name, role=tr._(GUEST_ROLES.get(role, role)))
        for role, name in attendance.guests
    ]
    villages = [
        tr.n_("{village}: {count} person", "{village}: {count} people", count, village=name)
        if name
        else tr.n_("village not given: {count} person", "village not given: {count} people", count)
        for name, count in attendance.residents_by_village
    ]
    residents = tr.n_("{count} resident", "{count} residents", attendance.residents)
    if villages:
        residents += tr._(" ({villages})", villages=tr._("; ").join(villages))
    if attendance.named_residents:
        residents += "\n" + tr._(
            "Named with their agreement: {names}", names=_names(tr, attendance.named_residents)
        )
    return [
        (tr._("Liaison-office staff"), _names(tr, attendance.staff)),
        (tr._("CPPCC members"), _names(tr, attendance.members)),
        (tr._("Guests"), tr._("、").join(guests) if guests else tr._("(none)")),
        (tr._("Residents"), residents),
    ]


def minutes_docx(tr: Translator, view: MinutesView, zone: ZoneInfo) -> bytes:
    document = Document()
    _chinese_fonts(document)
    document.add_heading(tr._("Minutes of the deliberation meeting"), level=0)
    document.add_paragraph(f"{view.meeting_number} {view.meeting_title}")

    facts = document.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    place = view.place or view.online_link or "—"
    rows = [
        (tr._("Township"), view.township),
        (tr._("Time"), tr.when_with_weekday(view.starts_at, zone)),
        (
            tr._("Duration"),
            tr.n_("{count} minute", "{count} minutes", view.duration_minutes),
        ),
        (tr._("Format"), tr._(FORMATS.get(view.format, view.format))),
        (tr._("Place"), place),
        (tr._("Topics"), "\n".join(f"{t.number} {t.title}" for t in view.topics) or "—"),
        (
            tr._("Opinions before the meeting"),
            tr.n_("{count} opinion", "{count} opinions", view.opinions),
        ),
    ]
    for label, value in rows:
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = label, value

    document.add_heading(tr._("Attendance"), level=1)
    document.add_paragraph(
        tr.n_("{count} person attended.", "{count} people attended.", view.attendance.total)
    )
    attendance = document.add_table(rows=0, cols=2)
    attendance.style = "Table Grid"
    for label, value in attendance_lines(tr, view):
        cells = attendance.add_row().cells
        cells[0].text, cells[1].text = label, value

    outcome = view.outcome
    if outcome is None:
        document.add_paragraph(tr._("No outcome has been recorded yet."))
    else:
        if outcome.published_at is None:
            document.add_paragraph(tr._("DRAFT — not published yet."))
        for heading, text in (
            (tr._("The discussion"), outcome.summary),
            (tr._("Points of consensus"), outcome.consensus),
            (tr._("Remaining disagreements"), outcome.disagreements),
        ):
            document.add_heading(heading, level=1)
            for paragraph in (text or tr._("(none)")).split("\n"):
                document.add_paragraph(paragraph)
        document.add_heading(tr._("Action items"), level=1)
        if not outcome.items:
            document.add_paragraph(tr._("(none)"))
        else:
            items = document.add_table(rows=1, cols=5)
            items.style = "Table Grid"
            header = items.rows[0].cells
            for cell, text in zip(
                header,
                ("#", tr._("What"), tr._("In charge"), tr._("Due"), tr._("Topic")),
                strict=True,
            ):
                cell.text = text
            for index, item in enumerate(outcome.items, 1):
                cells = items.add_row().cells
                cells[0].text = str(index)
                cells[1].text = item.description
                cells[2].text = item.owner
                cells[3].text = day_text(tr, item.due_on)
                cells[4].text = item.topic_number or ""
        if outcome.published_at is not None:
            document.add_paragraph(
                tr._("Published {when}.", when=tr.when(outcome.published_at, zone))
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
